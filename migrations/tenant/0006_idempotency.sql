-- Idempotency keys (DESIGN 6): a creating POST sent with `Idempotency-Key` is carried out once;
-- the same key with the same request gets the first answer again, with another request a 422.
-- Kept per agency for 24 hours.
CREATE TABLE idempotency_keys (
    tenant_id    uuid NOT NULL,
    key          text NOT NULL,
    -- Who sent it (`user:<id>` or `key:<id>`): another caller's key is another request.
    caller       text NOT NULL,
    -- SHA-256 of the method, path and query, and body.
    fingerprint  bytea NOT NULL,
    -- While the first request runs: until when it holds the key. A request that died before
    -- recording its answer frees the key for the same request once this has passed.
    locked_until timestamptz NOT NULL,
    -- The recorded answer (NULL while running).
    status       smallint,
    content_type text,
    location     text,
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    PRIMARY KEY (tenant_id, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (tenant_id, created_at);

ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON idempotency_keys
    USING (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));

GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO c360_app;
