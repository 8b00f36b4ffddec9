-- The circuit breakers of outside systems, as each replica last published them, so that
-- `comply360 integrations status` shows the state of every replica from anywhere. Breakers
-- live in each process's memory; this is their snapshot, refreshed every few seconds and
-- replaced whole per replica. Rows of replicas that stopped publishing age out by updated_at.

CREATE TABLE integration_circuits (
    replica         text NOT NULL,
    tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    system          text NOT NULL,
    state           text NOT NULL CHECK (state IN ('closed', 'half_open', 'open')),
    -- Calls refused while open, since that replica started.
    rejected        bigint NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (replica, tenant_id, system)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON integration_circuits TO c360_app;
