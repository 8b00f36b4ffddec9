-- The outbox and the queue lose three kinds of check that could never refuse a row but cost
-- every emit (ARCHITECTURE.md decision 78). Both tables have one writer, `Outbox::emit`
-- (crates/jobs/src/outbox.rs), which writes an event and its jobs in one statement.
--
-- * The jobs' foreign key to their event: the event is written by the same statement, and no
--   event is ever deleted, so the key only added a referential check per job (a query, and a
--   key-share lock on the event's row); ON DELETE CASCADE had nothing to act on.
-- * The name patterns (event type, aggregate type, traceparent, handler): checked where the
--   names are born instead (crates/jobs/src/event.rs `names`, crates/domain/src/trace_context.rs,
--   and the handlers' registration at start-up). PostgreSQL reads a CHECK constraint back from
--   its catalogue text in every statement that writes the table, and these patterns were the
--   costliest to read.
--
-- With this and `documents.ingest` no longer scheduled for a new draft, opening a registration
-- (the API's busiest write) costs PostgreSQL 14.9 % fewer instructions (bench/create-work.sh;
-- bench/README.md, "A create's work in PostgreSQL").
ALTER TABLE jobs DROP CONSTRAINT jobs_tenant_id_event_id_fkey;
ALTER TABLE jobs DROP CONSTRAINT jobs_handler_check;
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_aggregate_type_check;
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_event_type_check;
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_traceparent_check;
