//! The jobs' Prometheus series (rendered at `/metrics` by the API crate's recorder).

use crate::queue::TenantStats;
use crate::runner::Outcome;
use std::collections::BTreeMap;
use std::time::Duration;

pub fn job_finished(handler: &str, outcome: Outcome, took: Duration) {
    metrics::counter!("jobs_total", "handler" => handler.to_owned(), "outcome" => outcome.as_str())
        .increment(1);
    metrics::histogram!("job_duration_seconds", "handler" => handler.to_owned())
        .record(took.as_secs_f64());
}

/// Publishes the totals of one sweep over every tenant. Handlers with nothing queued are
/// reported as 0 rather than left at their last value.
pub fn publish_queue(handlers: &[&'static str], tenants: &[TenantStats]) {
    let mut depth: BTreeMap<&str, i64> = handlers.iter().map(|h| (*h, 0)).collect();
    let mut dead = 0;
    let mut unrelayed = 0;
    for t in tenants {
        for (handler, n) in &t.depth {
            *depth.entry(handler.as_str()).or_default() += n;
        }
        dead += t.dead;
        unrelayed += t.unrelayed;
    }
    for (handler, n) in depth {
        metrics::gauge!("jobs_queue_depth", "handler" => handler.to_owned()).set(n as f64);
    }
    metrics::gauge!("jobs_dead_letters").set(dead as f64);
    metrics::gauge!("outbox_unrelayed").set(unrelayed as f64);
}

/// Registers the series at zero so `/metrics` shows them before the first job.
pub fn describe(handlers: &[&'static str]) {
    metrics::describe_counter!("jobs_total", "Jobs finished, by handler and outcome.");
    metrics::describe_gauge!("jobs_queue_depth", "Jobs queued or running, by handler.");
    metrics::describe_gauge!("jobs_dead_letters", "Jobs parked as dead letters.");
    metrics::describe_gauge!(
        "outbox_unrelayed",
        "Events not yet handed to their transport."
    );
    metrics::describe_histogram!("job_duration_seconds", "Time to run one job.");
    publish_queue(handlers, &[]);
}
