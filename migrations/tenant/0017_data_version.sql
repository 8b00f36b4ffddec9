-- The agency's data version: a counter that every transaction changing the agency's data moves
-- on, once, as it commits. Two snapshots that read the same version see the same data, so an
-- answer computed from one may be served to the other: the API's response cache keys its
-- entries by it (crates/api/src/responses.rs, ARCHITECTURE.md decision 77).
--
-- The counter moves in a deferred constraint trigger, at commit: its row lock is held only
-- from there to the end of the commit, never across a transaction's other work (a trigger at
-- the first write would hold it while the transaction takes other row locks, and two writers of
-- one agency could deadlock). A reader's snapshot either holds a writer's data and its version,
-- or neither.

CREATE TABLE data_version (
    tenant_id   uuid NOT NULL PRIMARY KEY,
    version     bigint NOT NULL CHECK (version > 0)
);
ALTER TABLE data_version ENABLE ROW LEVEL SECURITY;
ALTER TABLE data_version FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON data_version
    USING (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE ON data_version TO c360_app;

-- Moves the changed row's agency's version on, once per transaction and agency: the deferred
-- events of one transaction all fire at its commit, and the setting remembers the last agency
-- moved on (a transaction writes one agency's rows).
CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    agency uuid := CASE TG_OP WHEN 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END;
BEGIN
    IF current_setting('c360.data_version_moved', true) IS DISTINCT FROM agency::text THEN
        INSERT INTO data_version AS v (tenant_id, version) VALUES (agency, 1)
            ON CONFLICT (tenant_id) DO UPDATE SET version = v.version + 1;
        PERFORM set_config('c360.data_version_moved', agency::text, true);
    END IF;
    RETURN NULL;
END $$;

-- Every table of the agency's data, which is every table but the machinery's: the job queue,
-- the outbox and inbox, idempotency records, the audit log, credentials and sessions (touched
-- on every use), notification deliveries and providers' raw notifications. The schema lint
-- checks that every other table, now and later, carries the trigger (crates/store/src/lint.rs).
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['client_contacts', 'clients', 'commission_rules', 'commissions',
        'companies', 'company_people', 'credit_notes', 'document_contents', 'document_previews',
        'document_retention', 'document_texts', 'document_types', 'documents',
        'invoice_counters', 'invoice_lines', 'invoices', 'notification_preferences',
        'obligations', 'odoo_links', 'payment_checkouts', 'payments', 'registration_prices',
        'registration_timeline', 'registrations', 'roles', 'settings', 'users'] LOOP
        EXECUTE format('CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE
            ON %I DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version()', t);
    END LOOP;
END $$;
