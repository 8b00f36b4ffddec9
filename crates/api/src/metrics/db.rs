//! `db_query_duration_seconds{statement}`: every statement's time at the database, taken from
//! the event sqlx emits when a statement finishes (target `sqlx::query`, field
//! `elapsed_secs`; the connect options log statements at TRACE). A tracing layer rather than
//! a wrapper around each call: the repositories run their statements on the connection
//! directly, and this sees every one of them, the catalog's and migrations' too.
//!
//! The label is the statement's first keyword (`select`, `insert`, `update`, `delete`,
//! `with`, or `other`), never its text: bounded, and nothing personal.

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// The target sqlx's statement events carry.
pub const TARGET: &str = "sqlx::query";

/// Records each finished statement's time; install it with a filter that lets
/// `sqlx::query` events at TRACE through (see `comply360`'s telemetry).
pub struct QueryTimes;

impl<S: Subscriber> Layer<S> for QueryTimes {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if let Some((kind, secs)) = finished_statement(event) {
            metrics::histogram!("db_query_duration_seconds", "statement" => kind).record(secs);
        }
    }
}

/// A finished statement's kind and time, if `event` is sqlx's report of one.
pub fn finished_statement(event: &Event<'_>) -> Option<(&'static str, f64)> {
    if event.metadata().target() != TARGET {
        return None;
    }
    let mut seen = Seen::default();
    event.record(&mut seen);
    Some((statement_kind(&seen.summary), seen.elapsed_secs?))
}

#[derive(Default)]
struct Seen {
    summary: String,
    elapsed_secs: Option<f64>,
}

impl Visit for Seen {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.elapsed_secs = Some(value);
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "summary" {
            // The first keyword is all that is kept.
            self.summary = value.chars().take(12).collect();
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "summary" && self.summary.is_empty() {
            self.summary = format!("{value:?}").chars().take(13).collect();
        }
    }
}

/// The statement's first keyword, from a fixed set.
pub fn statement_kind(summary: &str) -> &'static str {
    let first = summary
        .trim_start_matches(|c: char| c == '"' || c.is_whitespace())
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    match first.to_ascii_lowercase().as_str() {
        "select" => "select",
        "insert" => "insert",
        "update" => "update",
        "delete" => "delete",
        "with" => "with",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::statement_kind;

    #[test]
    fn statements_are_labelled_by_their_first_keyword_only() {
        // (Summaries as sqlx gives them, cut short so the layer test does not take them for
        // SQL in this crate.)
        assert_eq!(statement_kind("SELECT /* … */"), "select");
        assert_eq!(statement_kind("select id, name from clients"), "select");
        assert_eq!(statement_kind("  insert into jobs …"), "insert");
        assert_eq!(statement_kind("\"UPDATE …"), "update");
        assert_eq!(statement_kind("DELETE …"), "delete");
        assert_eq!(statement_kind("with e as ("), "with");
        assert_eq!(statement_kind("SET LOCAL app.tenant_id = '…'"), "other");
        assert_eq!(statement_kind(""), "other");
    }
}
