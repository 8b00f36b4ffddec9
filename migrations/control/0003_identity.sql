-- Identity in the control plane: the platform's own users get the same credential columns as
-- tenant users, and sessions, refresh tokens and recovery codes of the same shape, so one set
-- of SQL serves both realms. Their tenant_id is always the nil UUID (the platform realm).
-- Also: the JWT signing keys (private halves sealed with the master key) and the permissions
-- of the built-in roles, from which the RBAC enforcer loads its policies.

ALTER TABLE platform_users
    ADD COLUMN tenant_id           uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'
                                   CHECK (tenant_id = '00000000-0000-0000-0000-000000000000'),
    ADD COLUMN failed_logins       integer NOT NULL DEFAULT 0,
    ADD COLUMN locked_until        timestamptz,
    ADD COLUMN password_changed_at timestamptz,
    ADD COLUMN last_login_at       timestamptz,
    ADD COLUMN mfa_secret          bytea,
    ADD COLUMN mfa_enabled_at      timestamptz,
    ADD COLUMN mfa_last_step       bigint;

CREATE TABLE platform_sessions (
    tenant_id       uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'
                    CHECK (tenant_id = '00000000-0000-0000-0000-000000000000'),
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES platform_users (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz,
    revoked_reason  text,
    ip              inet,
    user_agent      text
);
CREATE INDEX platform_sessions_by_user ON platform_sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE platform_refresh_tokens (
    tenant_id       uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'
                    CHECK (tenant_id = '00000000-0000-0000-0000-000000000000'),
    token_hash      bytea PRIMARY KEY,
    session_id      uuid NOT NULL REFERENCES platform_sessions (id) ON DELETE CASCADE,
    issued_at       timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz
);
CREATE INDEX platform_refresh_tokens_by_session ON platform_refresh_tokens (session_id);

CREATE TABLE platform_recovery_codes (
    tenant_id       uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'
                    CHECK (tenant_id = '00000000-0000-0000-0000-000000000000'),
    user_id         uuid NOT NULL REFERENCES platform_users (id) ON DELETE CASCADE,
    code_hash       bytea NOT NULL,
    used_at         timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- Sessions ended within the last access-token lifetime: every replica refuses their tokens.
CREATE TABLE revoked_sessions (
    session_id      uuid PRIMARY KEY,
    expires_at      timestamptz NOT NULL
);
CREATE INDEX revoked_sessions_by_expiry ON revoked_sessions (expires_at);

CREATE TABLE signing_keys (
    kid             text PRIMARY KEY,
    algorithm       text NOT NULL CHECK (algorithm = 'EdDSA'),
    -- The PKCS#8 private key, AES-256-GCM under the master key, the kid as associated data.
    private_sealed  bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE role_permissions (
    role            text NOT NULL,
    permission      text NOT NULL,
    PRIMARY KEY (role, permission)
);
INSERT INTO role_permissions (role, permission) VALUES
    ('tenant_admin', '*'),
    ('agent', 'tenant:read'),
    ('agent', 'clients:read'), ('agent', 'clients:write'),
    ('agent', 'registrations:read'), ('agent', 'registrations:draft'), ('agent', 'registrations:write'),
    ('agent', 'documents:read'), ('agent', 'documents:draft'), ('agent', 'documents:write'),
    ('agent', 'commissions:read_own'),
    ('agent_assistant', 'tenant:read'),
    ('agent_assistant', 'clients:read'),
    ('agent_assistant', 'registrations:read'), ('agent_assistant', 'registrations:draft'),
    ('agent_assistant', 'documents:read'), ('agent_assistant', 'documents:draft'),
    ('super_admin', 'platform:*'),
    ('global_support', 'platform:tenants:read'), ('global_support', 'platform:audit:read');

-- Signing keys are added by the owner role (bootstrap, `comply360 keys rotate`).
GRANT SELECT ON signing_keys, role_permissions TO c360_app;
GRANT UPDATE (failed_logins, locked_until, password_hash, password_changed_at, last_login_at,
    mfa_secret, mfa_enabled_at, mfa_last_step, status, updated_at) ON platform_users TO c360_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON platform_sessions, platform_refresh_tokens,
    platform_recovery_codes, revoked_sessions TO c360_app;
