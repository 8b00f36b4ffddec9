//! The figures a benchmark run reports, recorded by the suites as they measure them and
//! written at the end as one JSON document (`comply360 bench --json FILE`), beside the
//! human-readable lines they print.

use serde_json::{Map, Value};
use std::sync::{LazyLock, Mutex};

static FIGURES: LazyLock<Mutex<Map<String, Value>>> = LazyLock::new(Mutex::default);

/// Records one figure under `key` (a later record of the same key replaces it).
pub fn record(key: &str, value: impl Into<Value>) {
    FIGURES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key.to_owned(), value.into());
}

/// The figures recorded so far, leaving none behind.
pub fn take() -> Map<String, Value> {
    std::mem::take(&mut *FIGURES.lock().unwrap_or_else(|e| e.into_inner()))
}

/// A figure rounded to two decimals, as the tables print it.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
