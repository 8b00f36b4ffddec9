-- Events and jobs (DESIGN.md section 4), in every tenant namespace, so a database-mode tenant
-- keeps its events in its own database and no worker ever reads across tenants.
--
--   outbox_events  what happened, written by `emit` in the same transaction as the change;
--   jobs           one delivery of an event to one subscribed handler, with its retry state;
--   inbox          (handler, event) pairs already processed: the handler's effects and this row
--                  commit together, so a redelivery is recognised and skipped.

CREATE TABLE outbox_events (
    tenant_id       uuid NOT NULL,
    -- UUIDv7, so ids sort by time of emission.
    id              uuid NOT NULL,
    event_type      text NOT NULL CHECK (event_type ~ '^[a-z][a-z_]*(\.[a-z][a-z_]*)+$'),
    schema_version  integer NOT NULL DEFAULT 1 CHECK (schema_version > 0),
    aggregate_type  text NOT NULL CHECK (aggregate_type ~ '^[a-z][a-z_]*$'),
    aggregate_id    uuid,
    actor_id        uuid,
    payload         jsonb NOT NULL DEFAULT '{}'::jsonb,
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    -- Set when the event has left for its transport: at once on the PostgreSQL transport
    -- (the jobs rows are the delivery), after the broker's confirm on RabbitMQ.
    relayed_at      timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX outbox_events_unrelayed ON outbox_events (tenant_id, id) WHERE relayed_at IS NULL;
CREATE INDEX outbox_events_by_aggregate ON outbox_events (tenant_id, aggregate_type, aggregate_id);

CREATE TABLE jobs (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    event_id        uuid NOT NULL,
    handler         text NOT NULL CHECK (handler ~ '^[a-z][a-z0-9_.]*$'),
    state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'dead')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts    integer NOT NULL CHECK (max_attempts > 0),
    run_at          timestamptz NOT NULL DEFAULT now(),
    -- The lease: a worker that dies leaves its jobs to be claimed again once it runs out.
    locked_by       text,
    locked_until    timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, event_id, handler),
    FOREIGN KEY (tenant_id, event_id) REFERENCES outbox_events (tenant_id, id) ON DELETE CASCADE
);
-- What a worker claims: queued and due, or running with an expired lease.
CREATE INDEX jobs_due ON jobs (tenant_id, run_at) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_dead ON jobs (tenant_id, finished_at) WHERE state = 'dead';
CREATE INDEX jobs_done ON jobs (tenant_id, finished_at) WHERE state = 'done';

CREATE TABLE inbox (
    tenant_id       uuid NOT NULL,
    handler         text NOT NULL,
    event_id        uuid NOT NULL,
    processed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, handler, event_id)
);
CREATE INDEX inbox_by_time ON inbox (tenant_id, processed_at);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['outbox_events', 'jobs', 'inbox'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
            USING (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
            WITH CHECK (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON outbox_events, jobs, inbox TO c360_app;
