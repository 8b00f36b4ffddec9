//! `Idempotency-Key` on creating requests (DESIGN 6; the IETF draft
//! "The Idempotency-Key HTTP Header Field").
//!
//! A creating `POST` that carries the header is carried out at most once per agency and key:
//! * the first request claims the key (committed at once, with a lease), runs, and records
//!   its answer (status, content type, location, body); a 5xx answer is not recorded, so a
//!   retry runs again;
//! * the same key with the same request (same caller, method, path, query and body) gets the
//!   recorded answer again, marked `Idempotent-Replayed: true`; one that arrives while the
//!   first still runs waits for its answer (up to the lease) instead of running twice;
//! * the same key with another request is refused: 422 `idempotency_key_reused`.
//!
//! The handler and the recording of its answer run on a task of their own, so a client that
//! goes away (or the request timeout) cannot stop the answer of work that was done from being
//! recorded. What remains: a process that dies between the handler's commit and the
//! recording leaves the key claimed without an answer; once its lease has passed, the same
//! request runs again. Keys are kept 24 hours (`repo::idempotency::RETENTION_HOURS`).

use crate::problem::Problem;
use crate::state::AppState;
use crate::tenant::CurrentTenant;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use comply360_identity::Principal;
use comply360_store::repo::idempotency::{self, Answer, Claim};
use comply360_store::{StoreError, Tenant};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};
use tracing::Instrument;

pub const HEADER: &str = "idempotency-key";
const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
/// Largest answer recorded (creating answers are small; an import report is bounded by the
/// request body limit).
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// The middleware of creating routes; runs inside the gateway guard (tenant and caller known).
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(key) = req.headers().get(HEADER) else {
        return next.run(req).await;
    };
    let key = match parse_key(key) {
        Ok(key) => key,
        Err(problem) => return problem.into_response(),
    };
    let (Some(CurrentTenant(tenant)), Some(principal)) = (
        req.extensions().get::<CurrentTenant>().cloned(),
        req.extensions().get::<Principal>().cloned(),
    ) else {
        // Creating routes are tenant routes; without a tenant there is no scope for the key.
        return next.run(req).await;
    };
    let caller = principal.label();
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, state.settings.max_body_bytes).await {
        Ok(body) => body,
        Err(_) => {
            return Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!(
                    "the request body is larger than {} bytes",
                    state.settings.max_body_bytes
                ),
            )
            .into_response();
        }
    };
    let fingerprint = fingerprint(&parts, &body);
    let lease = state.settings.request_timeout * 2;
    let deadline = Instant::now() + lease;
    let mut pause = Duration::from_millis(10);
    loop {
        let held = match claim(&state, &tenant, &key, &caller, &fingerprint, lease).await {
            Ok(Claim::Claimed) => break,
            Ok(Claim::Taken(held)) => held,
            Err(err) => return Problem::from_store(&err).into_response(),
        };
        if held.caller != caller || held.fingerprint != fingerprint {
            return reused();
        }
        if let Some(answer) = held.answer {
            return replay(answer);
        }
        // The same request is running elsewhere: wait for its answer (or its lease to pass,
        // when the claim succeeds for us).
        if Instant::now() > deadline {
            return Problem::new(
                StatusCode::CONFLICT,
                "idempotency_key_in_progress",
                "a request with this Idempotency-Key is still being processed; retry later",
            )
            .with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
            .into_response();
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(250));
    }
    let req = Request::from_parts(parts, Body::from(body));
    // Run to completion whatever happens to this request's future (see the module docs).
    // In the request's span, so the handler's log lines keep the request id and tenant.
    let work = async move { run_and_record(state, tenant, key, req, next).await };
    let task = tokio::spawn(work.in_current_span());
    match task.await {
        Ok(response) => response,
        Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
        Err(_) => Problem::internal().into_response(),
    }
}

async fn run_and_record(
    state: AppState,
    tenant: std::sync::Arc<Tenant>,
    key: String,
    req: Request,
    next: Next,
) -> Response {
    let response = next.run(req).await;
    let (parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_ANSWER_BYTES).await else {
        tracing::error!(%key, "the answer to an idempotent request could not be read; the key is released");
        finish(&state, &tenant, &key, None).await;
        return Problem::internal().into_response();
    };
    let answer = (!parts.status.is_server_error()).then(|| Answer {
        status: parts.status.as_u16(),
        content_type: header_text(&parts.headers, header::CONTENT_TYPE),
        location: header_text(&parts.headers, header::LOCATION),
        body: body.to_vec(),
    });
    finish(&state, &tenant, &key, answer.as_ref()).await;
    Response::from_parts(parts, Body::from(body))
}

/// Records the answer, or releases the key when there is none to keep.
async fn finish(state: &AppState, tenant: &Tenant, key: &str, answer: Option<&Answer>) {
    let done = async {
        let mut tx = state.store.tenancy().begin(tenant).await?;
        match answer {
            Some(answer) => idempotency::record(&mut tx, key, answer).await?,
            None => idempotency::release(&mut tx, key).await?,
        }
        tx.commit().await
    };
    if let Err(err) = done.await {
        // The key stays claimed until its lease passes; then the same request may run again.
        tracing::error!(error = %err, %key, "the answer to an idempotent request was not recorded");
    }
}

async fn claim(
    state: &AppState,
    tenant: &Tenant,
    key: &str,
    caller: &str,
    fingerprint: &[u8],
    lease: Duration,
) -> Result<Claim, StoreError> {
    let mut tx = state.store.tenancy().begin(tenant).await?;
    let claim = idempotency::claim(&mut tx, key, caller, fingerprint, lease).await?;
    tx.commit().await?;
    Ok(claim)
}

/// 1 to 255 visible ASCII characters (a UUID is the usual choice).
fn parse_key(value: &HeaderValue) -> Result<String, Problem> {
    let bad = || {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid_idempotency_key",
            "the Idempotency-Key header must be 1 to 255 visible ASCII characters, e.g. a UUID",
        )
        .with_field(
            "Idempotency-Key",
            "use 1 to 255 visible ASCII characters, e.g. a new UUID per request",
        )
    };
    let text = value.to_str().map_err(|_| bad())?;
    // Structured-field form (`"abc"`) as the draft writes it, or the bare token.
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    if text.is_empty() || text.len() > 255 || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad());
    }
    Ok(text.to_owned())
}

/// SHA-256 over what makes two requests the same one: method, path and query, body.
fn fingerprint(parts: &axum::http::request::Parts, body: &Bytes) -> Vec<u8> {
    let mut hash = Sha256::new();
    hash.update(parts.method.as_str().as_bytes());
    hash.update(b"\n");
    hash.update(
        parts
            .uri
            .path_and_query()
            .map_or("", |p| p.as_str())
            .as_bytes(),
    );
    hash.update(b"\n");
    hash.update(body);
    hash.finalize().to_vec()
}

fn reused() -> Response {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
        "this Idempotency-Key was already used for a different request (another body, path or caller); send a new key with each new request",
    )
    .with_field(
        "Idempotency-Key",
        "already used for a different request; use a new key",
    )
    .into_response()
}

fn replay(answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut response = (status, answer.body).into_response();
    let headers = response.headers_mut();
    headers.remove(header::CONTENT_TYPE);
    for (name, value) in [
        (header::CONTENT_TYPE, answer.content_type),
        (header::LOCATION, answer.location),
    ] {
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            headers.insert(name, value);
        }
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

fn header_text(headers: &axum::http::HeaderMap, name: HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        for ok in ["abc", "\"0199f1c2-7a3b-7c00-8000-000000000001\"", "a:b/c"] {
            assert!(parse_key(&HeaderValue::from_static(ok)).is_ok(), "{ok}");
        }
        let long = "k".repeat(256);
        for bad in ["", "\"\"", "with space", long.as_str()] {
            let value = HeaderValue::from_str(bad).unwrap_or(HeaderValue::from_static(" "));
            assert!(parse_key(&value).is_err(), "{bad:?}");
        }
    }
}
