//! W3C Trace Context (`traceparent`) for what leaves a span's process or time: an event, whose
//! job runs later (perhaps on another replica), and a call to an outside system. The span's
//! OpenTelemetry context is read through `tracing-opentelemetry`; with no OpenTelemetry layer
//! installed (no `OTEL_EXPORTER_OTLP_ENDPOINT`) there is no valid context, and nothing is
//! carried.
//!
//! `traceparent` is `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`
//! (<https://www.w3.org/TR/trace-context/#traceparent-header>).

use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The current span's `traceparent`, if it belongs to a trace.
pub fn current() -> Option<String> {
    let cx = tracing::Span::current().context();
    let span = cx.span();
    let sc = span.span_context();
    sc.is_valid().then(|| format(sc))
}

fn format(sc: &SpanContext) -> String {
    format!(
        "00-{}-{}-{:02x}",
        sc.trace_id(),
        sc.span_id(),
        sc.trace_flags().to_u8()
    )
}

/// The remote span a `traceparent` names; `None` for anything malformed (a header from
/// outside is never trusted further than its shape).
pub fn parse(traceparent: &str) -> Option<SpanContext> {
    let mut parts = traceparent.trim().split('-');
    let (version, trace, span, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if version != "00"
        || parts.next().is_some()
        || trace.len() != 32
        || span.len() != 16
        || flags.len() != 2
    {
        return None;
    }
    let trace_id = TraceId::from_hex(trace).ok()?;
    let span_id = SpanId::from_hex(span).ok()?;
    let flags = u8::from_str_radix(flags, 16).ok()?;
    let sc = SpanContext::new(
        trace_id,
        span_id,
        TraceFlags::new(flags),
        true,
        TraceState::default(),
    );
    sc.is_valid().then_some(sc)
}

/// Makes `span` a child of the remote span `traceparent` names (a job of the request that
/// emitted its event). Call it before `span` has children.
pub fn adopt(span: &tracing::Span, traceparent: &str) {
    if let Some(sc) = parse(traceparent) {
        let _ = span.set_parent(opentelemetry::Context::new().with_remote_span_context(sc));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_traceparent_is_read_back_as_written() {
        let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let sc = parse(header).unwrap();
        assert_eq!(
            sc.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(sc.span_id().to_string(), "00f067aa0ba902b7");
        assert!(sc.is_sampled());
        assert_eq!(format(&sc), header);
    }

    #[test]
    fn malformed_or_empty_contexts_are_refused() {
        for bad in [
            "",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-zzf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }

    /// The outbox stores what `format` writes without a CHECK constraint (ARCHITECTURE.md
    /// decision 78), so its shape is held here, leading zeros and flags included.
    #[test]
    fn every_written_traceparent_has_the_stored_shape() {
        let hex = |s: &str| {
            s.chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        };
        for i in 1..=300u128 {
            let trace = i.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834) >> (i % 120);
            let sc = SpanContext::new(
                TraceId::from_bytes(trace.max(1).to_be_bytes()),
                SpanId::from_bytes((i as u64).rotate_left(i as u32).to_be_bytes()),
                TraceFlags::new((i % 256) as u8),
                false,
                TraceState::default(),
            );
            let t = format(&sc);
            let parts: Vec<&str> = t.split('-').collect();
            assert_eq!(parts.len(), 4, "{t}");
            assert_eq!(
                (parts[0], parts[1].len(), parts[2].len(), parts[3].len()),
                ("00", 32, 16, 2),
                "{t}"
            );
            assert!(parts[1..].iter().all(|p| hex(p)), "{t}");
            assert!(parse(&t).is_some(), "{t} is not read back");
        }
    }

    #[test]
    fn without_an_opentelemetry_layer_nothing_is_carried() {
        let span = tracing::info_span!("request");
        let _entered = span.enter();
        assert_eq!(current(), None);
    }
}
