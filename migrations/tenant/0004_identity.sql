-- Identity and access in the tenant plane: credentials and lockout on users, sessions with
-- rotating refresh tokens, single-use tokens (password reset, invitation), MFA recovery codes,
-- custom roles and API keys. Secrets are never stored as given: tokens and keys as SHA-256
-- (they are 256-bit random), recovery codes as a keyed hash, the TOTP secret sealed with the
-- master key.

-- Custom roles may be assigned, so the role is checked against the role list in code.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_key CHECK (role ~ '^[a-z][a-z0-9_]{1,39}$');
ALTER TABLE users
    ADD COLUMN failed_logins       integer NOT NULL DEFAULT 0,
    ADD COLUMN locked_until        timestamptz,
    ADD COLUMN password_changed_at timestamptz,
    ADD COLUMN last_login_at       timestamptz,
    ADD COLUMN mfa_secret          bytea,
    ADD COLUMN mfa_enabled_at      timestamptz,
    ADD COLUMN mfa_last_step       bigint;

-- A session is one sign-in: the family of refresh tokens it rotates through.
CREATE TABLE sessions (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    user_id         uuid NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz,
    revoked_reason  text,
    ip              inet,
    user_agent      text,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_by_user ON sessions (tenant_id, user_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_tokens (
    tenant_id       uuid NOT NULL,
    token_hash      bytea NOT NULL,
    session_id      uuid NOT NULL,
    issued_at       timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    PRIMARY KEY (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, session_id) REFERENCES sessions (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (tenant_id, session_id);

CREATE TABLE user_tokens (
    tenant_id       uuid NOT NULL,
    token_hash      bytea NOT NULL,
    purpose         text NOT NULL CHECK (purpose IN ('password_reset', 'invitation')),
    user_id         uuid NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    PRIMARY KEY (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX user_tokens_by_user ON user_tokens (tenant_id, user_id, purpose);

CREATE TABLE recovery_codes (
    tenant_id       uuid NOT NULL,
    user_id         uuid NOT NULL,
    code_hash       bytea NOT NULL,
    used_at         timestamptz,
    PRIMARY KEY (tenant_id, user_id, code_hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- Roles an agency defines from the permission list (the built-in roles live in the control
-- plane's role_permissions).
CREATE TABLE roles (
    tenant_id       uuid NOT NULL,
    key             text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{1,39}$'),
    name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    permissions     text[] NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, key)
);

CREATE TABLE api_keys (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    -- The first characters of the key, to recognise it in lists; never enough to use it.
    prefix          text NOT NULL,
    secret_hash     bytea NOT NULL,
    permissions     text[] NOT NULL,
    created_by      uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz,
    revoked_at      timestamptz,
    last_used_at    timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL
);

ALTER TABLE audit_log ADD COLUMN user_agent text;

CREATE TRIGGER roles_touch BEFORE UPDATE ON roles FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['sessions', 'refresh_tokens', 'user_tokens', 'recovery_codes',
                             'roles', 'api_keys'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
            USING (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
            WITH CHECK (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON sessions, refresh_tokens, user_tokens, recovery_codes,
    roles, api_keys TO c360_app;
