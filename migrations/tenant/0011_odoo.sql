-- The agency's Odoo kept in step (issue 14): for each Comply360 record mirrored into Odoo, the
-- Odoo model and id, when it was last synced and the values written, or the last
-- error. The connection settings live in `settings` (integrations.odoo, the key sealed).
CREATE TABLE odoo_links (
    tenant_id       uuid NOT NULL,
    entity          text NOT NULL CHECK (entity IN ('client', 'registration', 'commission', 'agent')),
    entity_id       uuid NOT NULL,
    model           text NOT NULL CHECK (model ~ '^[a-z_][a-z0-9_.]{1,63}$'),
    odoo_id         bigint CHECK (odoo_id > 0),
    state           text NOT NULL CHECK (state IN ('synced', 'failed')),
    synced_at       timestamptz,
    -- The values last written, to find what was changed in Odoo since.
    written         jsonb,
    last_error      text CHECK (length(last_error) <= 2000),
    failed_at       timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, entity, entity_id),
    CONSTRAINT odoo_links_state CHECK (
        (state = 'synced' AND odoo_id IS NOT NULL AND synced_at IS NOT NULL)
        OR (state = 'failed' AND last_error IS NOT NULL AND failed_at IS NOT NULL))
);
CREATE INDEX odoo_links_failed ON odoo_links (tenant_id, failed_at DESC) WHERE state = 'failed';

ALTER TABLE odoo_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE odoo_links FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON odoo_links
    USING (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE, DELETE ON odoo_links TO c360_app;
