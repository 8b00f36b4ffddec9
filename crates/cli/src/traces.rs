//! OpenTelemetry traces over OTLP/HTTP (protobuf), when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; the exporter reads the other standard
//! `OTEL_*` variables itself (headers, timeout, `OTEL_BSP_*` batching, `OTEL_SERVICE_NAME`).
//!
//! Spans: each request (`request`, with its request id, agency and user), each job (`job`,
//! the child of the span that emitted its event: see `comply360_domain::trace_context`), each
//! outside call (`outside_call`, whose `traceparent` header goes out with it), and each SQL
//! statement (`db select`, …), made here from the event sqlx emits when a statement finishes,
//! back-dated by its elapsed time, under the span that ran it.

use comply360_api::metrics::db::finished_statement;
use opentelemetry::KeyValue;
use opentelemetry::trace::{
    Span as _, SpanKind, TraceContextExt, Tracer as _, TracerProvider as _,
};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use std::time::{Duration, SystemTime};
use tracing::{Dispatch, Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

/// Whether traces are to be exported: an OTLP endpoint is configured.
pub fn wanted() -> bool {
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ]
    .iter()
    .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

/// The tracer provider exporting to the configured endpoint in batches (on a thread of its
/// own). Shut it down at exit to send what is still buffered.
pub fn provider() -> Result<SdkTracerProvider, String> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
        .map_err(|e| format!("the OTLP exporter cannot start: {e}"))?;
    let service = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "comply360".into());
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name(service)
                .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
                .build(),
        )
        .build())
}

pub fn tracer(provider: &SdkTracerProvider) -> SdkTracer {
    provider.tracer("comply360")
}

/// A span per SQL statement, under the span that ran it (only within a trace).
pub struct StatementSpans {
    tracer: SdkTracer,
}

impl StatementSpans {
    pub fn new(tracer: SdkTracer) -> StatementSpans {
        StatementSpans { tracer }
    }
}

impl<S> Layer<S> for StatementSpans
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let Some((kind, secs)) = finished_statement(event) else {
            return;
        };
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        // The global dispatcher (`init` sets one; nothing here scopes another), read directly:
        // a layer never receives it (`on_register_dispatch` is not passed through filters).
        let dispatch = tracing::dispatcher::get_default(Dispatch::clone);
        let Some(parent) = tracing_opentelemetry::get_otel_context(&span.id(), &dispatch) else {
            return;
        };
        if !parent.span().span_context().is_valid() {
            return;
        }
        let end = SystemTime::now();
        let start = end
            .checked_sub(Duration::from_secs_f64(secs.max(0.0)))
            .unwrap_or(end);
        let mut statement = self
            .tracer
            .span_builder(format!("db {kind}"))
            .with_kind(SpanKind::Client)
            .with_start_time(start)
            .with_attributes([
                KeyValue::new("db.system", "postgresql"),
                KeyValue::new("db.operation", kind),
            ])
            .start_with_context(&self.tracer, &parent);
        statement.end_with_timestamp(end);
    }
}
