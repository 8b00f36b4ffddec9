-- Each agency's document data key (comply360_documents::vault): a random AES-256 key per
-- tenant and version, stored only wrapped (AES-256-GCM under the master key, with
-- `data-key:<tenant id>:<version>` as associated data, so a wrapped key copied to another row
-- does not open). `master_kid` names the master key that wrapped it (a public id, never the
-- key), so a master-key rotation can rewrap the rows still under an old key, a few at a time,
-- and resume where it stopped. Documents themselves are never rewritten by a rotation.
--
-- No foreign key to tenants: discarding a half-provisioned tenant must not be blocked, and
-- whether deleting an agency also destroys its keys (crypto-shredding) is a decision for the
-- retention work, not a side effect of a cascade.

CREATE TABLE data_keys (
    tenant_id       uuid NOT NULL,
    version         integer NOT NULL CHECK (version >= 1),
    wrapped         bytea NOT NULL,
    master_kid      text NOT NULL CHECK (length(master_kid) BETWEEN 1 AND 64),
    created_at      timestamptz NOT NULL DEFAULT now(),
    rewrapped_at    timestamptz,
    PRIMARY KEY (tenant_id, version)
);
-- A rotation looks for the rows not yet under the current master key.
CREATE INDEX data_keys_by_master_kid ON data_keys (master_kid);

-- The app creates an agency's key on its first document (INSERT … ON CONFLICT DO NOTHING
-- needs no UPDATE). Rewrapping under a new master key is an operator task run as the owner.
GRANT SELECT, INSERT ON data_keys TO c360_app;
