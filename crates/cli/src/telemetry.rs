//! One subscriber: filter from `RUST_LOG` (default `info`), text or JSON lines on stderr.
//! Never log secrets, tokens, passwords, ID numbers or emails; log ids. Whatever slips through
//! is masked on the way out: every line passes through `comply360_domain::redact`.

use crate::traces;
use comply360_api::metrics::db::{self, QueryTimes};
use comply360_domain::redact::redact;
use std::io::Write;
use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;
use tracing_subscriber::{EnvFilter, Layer};

/// The server logs at `info` (an access line per request included); a benchmark too, but not
/// its thousands of requests; one-shot commands default to `warn` so their output is what the
/// person asked for (and job and circuit warnings stay quiet there: a command that runs jobs,
/// like `notify test`, reports their outcome itself).
pub const SERVER: &str = "info,sqlx=warn";
pub const BENCH: &str = "info,sqlx=warn,comply360::access=warn";
pub const ONE_SHOT: &str = "warn,sqlx=error,comply360_jobs=error,comply360_integrations=error";

/// Every log line, whatever wrote it, passes through [`redact`] on its way to stderr.
struct Redacting;

/// One line (the formatter writes an event whole), masked and written when dropped.
struct RedactedLine(Vec<u8>);

impl<'a> MakeWriter<'a> for Redacting {
    type Writer = RedactedLine;

    fn make_writer(&'a self) -> RedactedLine {
        RedactedLine(Vec::with_capacity(256))
    }
}

impl Write for RedactedLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for RedactedLine {
    fn drop(&mut self) {
        let line = String::from_utf8_lossy(&self.0);
        // Nowhere to report a failed write to stderr.
        let _ = std::io::stderr().lock().write_all(redact(&line).as_bytes());
    }
}

/// Keeps the trace exporter alive; dropped at exit, it sends what is still buffered.
pub struct Telemetry {
    traces: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.traces.take()
            && let Err(e) = provider.shutdown()
        {
            // Through the log layer (still installed): a JSON line under --log-format json.
            tracing::warn!(error = %e, "traces not all sent");
        }
    }
}

pub fn init(json: bool, default: &str) -> Telemetry {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let lines = tracing_subscriber::fmt::layer().with_writer(Redacting);
    let lines = if json {
        lines.json().boxed()
    } else {
        lines
            .with_target(false)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .boxed()
    };
    // Each statement's time feeds `db_query_duration_seconds`, whatever the log level: its
    // layer has a filter of its own.
    let statements = QueryTimes.with_filter(Targets::new().with_target(db::TARGET, Level::TRACE));
    let traces = match traces::wanted().then(traces::provider) {
        Some(Ok(provider)) => Some(provider),
        Some(Err(e)) => {
            eprintln!("warning: {e}; traces are not exported");
            None
        }
        None => None,
    };
    // Spans (requests, jobs, outside calls) at INFO from our crates; statement spans from
    // sqlx's TRACE events.
    let (spans, statement_spans) = match &traces {
        Some(provider) => {
            let tracer = traces::tracer(provider);
            let ours = Targets::new()
                .with_target("comply360", Level::INFO)
                .with_target("comply360_api", Level::INFO)
                .with_target("comply360_jobs", Level::INFO)
                .with_target("comply360_integrations", Level::INFO);
            let spans = tracing_opentelemetry::layer()
                .with_tracer(tracer.clone())
                .with_filter(ours.clone());
            // A filtered layer sees only the spans its filter enables: ours, so that a
            // statement finds the span it ran under, and sqlx's statement events.
            let statement_spans = traces::StatementSpans::new(tracer)
                .with_filter(ours.with_target(db::TARGET, Level::TRACE));
            (Some(spans), Some(statement_spans))
        }
        None => (None, None),
    };
    tracing_subscriber::registry()
        .with(lines.with_filter(filter))
        .with(statements)
        .with(spans)
        .with(statement_spans)
        .init();
    Telemetry { traces }
}
