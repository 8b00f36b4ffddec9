//! One log line per request: method, path, status, duration, and — once the guard has
//! identified them — tenant and caller. The line is emitted inside the request's span, so it
//! carries the request id like every other line of the request.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Filled in by the guard; read by the access log.
#[derive(Clone, Default)]
pub struct AccessNote(Arc<Mutex<Note>>);

#[derive(Default)]
struct Note {
    tenant: Option<String>,
    caller: Option<String>,
}

impl AccessNote {
    pub fn record(&self, tenant: Option<String>, caller: Option<String>) {
        let mut note = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if tenant.is_some() {
            note.tenant = tenant;
        }
        if caller.is_some() {
            note.caller = caller;
        }
    }

    /// The agency noted, if any.
    pub fn tenant(&self) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .tenant
            .clone()
    }
}

pub async fn access_log(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let note = AccessNote::default();
    req.extensions_mut().insert(note.clone());
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let res = next.run(req).await;
    let note = note.0.lock().unwrap_or_else(|e| e.into_inner());
    tracing::info!(
        target: "comply360::access",
        %method,
        %path,
        status = res.status().as_u16(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        tenant = note.tenant.as_deref().unwrap_or("-"),
        caller = note.caller.as_deref().unwrap_or("-"),
        "request"
    );
    res
}
