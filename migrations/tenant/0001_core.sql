-- Tenant plane: the product's first tables. Written once, applied to every namespace with
-- search_path set to that namespace (so names here are never schema-qualified).
--
-- The rules (DESIGN.md section 3), checked by the schema lint:
--   * every table has tenant_id uuid NOT NULL and a primary key led by tenant_id;
--   * every unique constraint, index and foreign key leads with tenant_id;
--   * RLS enabled and forced, policy tenant_isolation on app.tenant_id.

CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END $$;

CREATE TABLE users (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    email           text NOT NULL CHECK (position('@' IN email) > 1 AND length(email) <= 254),
    full_name       text NOT NULL DEFAULT '',
    role            text NOT NULL CHECK (role IN ('tenant_admin', 'agent', 'agent_assistant')),
    status          text NOT NULL DEFAULT 'invited' CHECK (status IN ('invited', 'active', 'disabled')),
    password_hash   text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
-- The same email may exist in two tenants; within one it is unique, case-insensitively.
CREATE UNIQUE INDEX users_email ON users (tenant_id, lower(email));

CREATE TABLE clients (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('person', 'organisation')),
    display_name    text NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 300),
    email           text,
    phone           text,
    id_number       text,
    registration_number text,
    assigned_agent_id uuid,
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    deleted_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, assigned_agent_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX clients_by_agent ON clients (tenant_id, assigned_agent_id);
CREATE INDEX clients_by_name ON clients (tenant_id, lower(display_name));

CREATE TABLE registrations (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    client_id       uuid NOT NULL,
    agent_id        uuid,
    jurisdiction    text NOT NULL CHECK (jurisdiction IN ('ZA', 'ZW')),
    kind            text NOT NULL CHECK (kind IN (
                        'za_name_reservation', 'za_private_company', 'za_non_profit_company',
                        'za_vat_registration', 'za_beneficial_ownership', 'za_annual_return',
                        'zw_private_limited', 'zw_pbc', 'zw_re_registration')),
    status          text NOT NULL DEFAULT 'draft' CHECK (status IN (
                        'draft', 'ready', 'submitted', 'info_requested', 'approved', 'rejected',
                        'completed', 'cancelled')),
    registry_reference text,
    payload         jsonb NOT NULL DEFAULT '{}'::jsonb,
    due_on          date,
    submitted_at    timestamptz,
    completed_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id),
    FOREIGN KEY (tenant_id, agent_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX registrations_by_client ON registrations (tenant_id, client_id);
CREATE INDEX registrations_by_agent_status ON registrations (tenant_id, agent_id, status);

CREATE TABLE documents (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    client_id       uuid NOT NULL,
    registration_id uuid,
    kind            text NOT NULL CHECK (kind IN (
                        'id_copy', 'passport', 'proof_of_address', 'moi', 'certificate',
                        'cor_9_4', 'cor_14_3', 'other')),
    file_name       text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    content_type    text NOT NULL,
    size_bytes      bigint NOT NULL CHECK (size_bytes >= 0),
    sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    storage_key     text NOT NULL,
    status          text NOT NULL DEFAULT 'uploaded' CHECK (status IN (
                        'uploaded', 'processing', 'verified', 'rejected')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id),
    FOREIGN KEY (tenant_id, registration_id) REFERENCES registrations (tenant_id, id)
);
CREATE INDEX documents_by_client ON documents (tenant_id, client_id);
CREATE INDEX documents_by_registration ON documents (tenant_id, registration_id);

CREATE TABLE commissions (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    agent_id        uuid NOT NULL,
    registration_id uuid NOT NULL,
    amount_cents    bigint NOT NULL CHECK (amount_cents >= 0),
    currency        char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN (
                        'pending', 'approved', 'paid', 'cancelled')),
    approved_by     uuid,
    approved_at     timestamptz,
    paid_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, agent_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, registration_id) REFERENCES registrations (tenant_id, id),
    FOREIGN KEY (tenant_id, approved_by) REFERENCES users (tenant_id, id),
    -- A registration earns an agent one commission.
    UNIQUE (tenant_id, registration_id, agent_id)
);
CREATE INDEX commissions_by_agent_status ON commissions (tenant_id, agent_id, status);

CREATE TABLE settings (
    tenant_id       uuid NOT NULL,
    key             text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_.]*$'),
    value           jsonb NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, key)
);

CREATE TABLE audit_log (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    at              timestamptz NOT NULL DEFAULT now(),
    actor_id        uuid,
    action          text NOT NULL,
    entity          text,
    entity_id       uuid,
    ip              inet,
    detail          jsonb NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_by_time ON audit_log (tenant_id, at);

CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER clients_touch BEFORE UPDATE ON clients FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER registrations_touch BEFORE UPDATE ON registrations FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER documents_touch BEFORE UPDATE ON documents FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER commissions_touch BEFORE UPDATE ON commissions FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER settings_touch BEFORE UPDATE ON settings FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- Row-Level Security on every table, forced so that even the owner role is filtered. The
-- setting is wrapped in (select ...) so it is evaluated once per query, and nullif turns the
-- '' that a finished transaction leaves behind into NULL, which matches no row.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['users', 'clients', 'registrations', 'documents', 'commissions',
                             'settings', 'audit_log'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
            USING (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
            WITH CHECK (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON users, clients, registrations, documents, commissions,
    settings TO c360_app;
-- The audit log is append-only for the application.
GRANT SELECT, INSERT ON audit_log TO c360_app;
