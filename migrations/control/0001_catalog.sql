-- Control plane: the catalog of tenants and where their rows live.
-- Applied with search_path = control, as the owner role (c360_owner).

CREATE TABLE servers (
    id              uuid PRIMARY KEY,
    name            text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9-]{0,62}$'),
    -- The primary server is the one this installation is configured with (DATABASE_URL or the
    -- embedded cluster); its address is not stored because it is runtime configuration.
    is_primary      boolean NOT NULL DEFAULT false,
    host            text,
    port            integer CHECK (port BETWEEN 1 AND 65535),
    admin_user      text,
    -- Never selected by the app role (column grants below) and never printed.
    admin_password  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (is_primary OR (host IS NOT NULL AND port IS NOT NULL AND admin_user IS NOT NULL))
);
CREATE UNIQUE INDEX servers_one_primary ON servers (is_primary) WHERE is_primary;

-- A namespace is one schema in one database holding the tenant tables. The pooled namespace is
-- shared by every pooled tenant; schema- and database-mode tenants own one each; a template
-- namespace per server is kept at the latest version to clone databases from.
CREATE TABLE namespaces (
    id              uuid PRIMARY KEY,
    server_id       uuid NOT NULL REFERENCES servers (id),
    -- NULL means the app database of this installation (runtime configuration, like the
    -- primary server's address), so a copied or renamed app database stays consistent.
    database_name   text,
    schema_name     text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('pooled', 'schema', 'database', 'template')),
    schema_version  integer NOT NULL DEFAULT 0 CHECK (schema_version >= 0),
    last_error      text,
    migrated_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind IN ('pooled', 'schema')) = (database_name IS NULL)),
    UNIQUE NULLS NOT DISTINCT (server_id, database_name, schema_name)
);
CREATE INDEX namespaces_by_version ON namespaces (schema_version);

CREATE TABLE tenants (
    id              uuid PRIMARY KEY,
    slug            text NOT NULL UNIQUE CHECK (slug ~ '^[a-z][a-z0-9-]{1,61}[a-z0-9]$'),
    name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    tier            text NOT NULL CHECK (tier IN ('starter', 'professional', 'enterprise')),
    isolation_mode  text NOT NULL CHECK (isolation_mode IN ('pooled', 'schema', 'database')),
    settings        jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings) = 'object'),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE placements (
    tenant_id       uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    server_id       uuid NOT NULL REFERENCES servers (id),
    database_name   text,  -- NULL: the app database (see namespaces)
    schema_name     text NOT NULL,
    namespace_id    uuid REFERENCES namespaces (id),
    state           text NOT NULL DEFAULT 'requested'
                    CHECK (state IN ('requested', 'provisioning', 'active', 'failed')),
    -- The last step that completed; a resumed run starts after it.
    completed_step  text CHECK (completed_step IN
                    ('create_namespace', 'build_schema', 'seed', 'create_admin', 'finish')),
    admin_email     text,
    last_error      text,
    attempts        integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX placements_by_namespace ON placements (namespace_id);

CREATE TABLE platform_users (
    id              uuid PRIMARY KEY,
    email           text NOT NULL CHECK (position('@' IN email) > 1),
    display_name    text NOT NULL,
    role            text NOT NULL CHECK (role IN ('super_admin', 'global_support')),
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('invited', 'active', 'disabled')),
    password_hash   text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX platform_users_email ON platform_users (lower(email));

CREATE TABLE system_config (
    key             text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_.]*$'),
    value           jsonb NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE platform_audit_log (
    id              uuid PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    actor           text NOT NULL,
    action          text NOT NULL,
    tenant_id       uuid,
    detail          jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX platform_audit_log_by_tenant ON platform_audit_log (tenant_id, at);

-- The checksum of every tenant migration the fleet has applied: an edited file is refused.
CREATE TABLE tenant_migrations (
    version         integer PRIMARY KEY,
    name            text NOT NULL,
    checksum        text NOT NULL,
    first_applied_at timestamptz NOT NULL DEFAULT now()
);

-- Placement caches in every replica listen on this channel (DESIGN.md rule 6).
CREATE FUNCTION notify_catalog_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('c360_catalog',
        coalesce(NEW.tenant_id::text, OLD.tenant_id::text, ''));
    RETURN NULL;
END $$;

CREATE FUNCTION notify_tenant_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('c360_catalog', coalesce(NEW.id::text, OLD.id::text, ''));
    RETURN NULL;
END $$;

CREATE TRIGGER tenants_notify AFTER INSERT OR UPDATE OR DELETE ON tenants
    FOR EACH ROW EXECUTE FUNCTION notify_tenant_change();
CREATE TRIGGER placements_notify AFTER INSERT OR UPDATE OR DELETE ON placements
    FOR EACH ROW EXECUTE FUNCTION notify_catalog_change();

-- The app role reads the catalog to resolve tenants; it never reads server secrets and never
-- writes placement (provisioning runs as the owner).
GRANT USAGE ON SCHEMA control TO c360_app;
GRANT SELECT ON tenants, placements, namespaces, system_config TO c360_app;
GRANT SELECT (id, name, is_primary, host, port, created_at) ON servers TO c360_app;
GRANT SELECT, INSERT ON platform_audit_log TO c360_app;
GRANT SELECT ON platform_users TO c360_app;
