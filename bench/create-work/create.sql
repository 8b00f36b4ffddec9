-- One registration opened as the API opens it (practice::registrations::repo::insert, then
-- jobs::Outbox::emit on the PostgreSQL transport: the event alone, unrelayed, for a worker to
-- dispatch), for pgbench: :t picks one of the 100 agencies. The ids are random (v4) rather
-- than v7. (Before decision 81 the emit also wrote a job per subscribed handler; git history
-- has that version, for measuring an older snapshot.)
\set t random(1, 100)
BEGIN;
SELECT set_config('search_path', 'pooled', true), set_config('app.tenant_id', public.agency(:t)::text, true);
WITH r AS (INSERT INTO registrations (tenant_id, id, client_id, company_id, jurisdiction, kind, payload, filing_path, agent_id, due_on) SELECT public.agency(:t), gen_random_uuid(), public.agency(:t), NULL, 'ZA', 'za_name_reservation', public.steps(), 'manual', NULL::uuid, NULL::date WHERE EXISTS (SELECT 1 FROM clients WHERE tenant_id = public.agency(:t) AND id = public.agency(:t) AND deleted_at IS NULL) RETURNING *), t AS (INSERT INTO registration_timeline (tenant_id, id, registration_id, actor_id, action, to_status, note, detail) SELECT tenant_id, gen_random_uuid(), id, NULL, 'created', status, '', jsonb_build_object('kind', kind, 'filing_path', filing_path) FROM r) SELECT * FROM r;
INSERT INTO outbox_events (tenant_id, id, event_type, schema_version, aggregate_type, aggregate_id, actor_id, payload, relayed_at, traceparent) VALUES (public.agency(:t), gen_random_uuid(), 'registration.created', 1, 'registration', gen_random_uuid(), NULL, public.event_payload(), NULL, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
COMMIT;
