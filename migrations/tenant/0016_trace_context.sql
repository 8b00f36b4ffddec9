-- The W3C traceparent of the span that emitted an event (a request, a job): the jobs it
-- starts continue that trace, on whichever replica runs them (crates/domain/src/trace_context.rs).
ALTER TABLE outbox_events ADD COLUMN traceparent text
    CHECK (traceparent ~ '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$');
