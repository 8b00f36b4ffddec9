//! Outside calls carry the trace they are part of: a `traceparent` header naming the current
//! span (the call's `outside_call` span under `Resilience::call`), so a system that speaks W3C
//! Trace Context (or a proxy in front of it) joins its work to ours.

use reqwest::RequestBuilder;

pub trait Traced {
    /// The request with the current span's `traceparent`, if the span belongs to a trace.
    fn traced(self) -> Self;
}

impl Traced for RequestBuilder {
    fn traced(self) -> RequestBuilder {
        match comply360_domain::trace_context::current() {
            Some(parent) => self.header("traceparent", parent),
            None => self,
        }
    }
}
