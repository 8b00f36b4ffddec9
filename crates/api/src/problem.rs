//! Errors as `application/problem+json` (RFC 9457) with a stable `code`.
//!
//! Layering: libraries return precise error enums (`StoreError`); handlers turn them into a
//! [`Problem`] here and nowhere else. A 5xx says only "internal error" plus the request id; the
//! full error goes to the log.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use comply360_store::StoreError;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// A problem; `type` and `title` are derived from `code` and `status` when it is written.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
}

/// The body as RFC 9457 lays it out.
#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    type_: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    errors: &'a [FieldError],
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Problem {
        Problem {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn with_field(mut self, field: &str, message: impl Into<String>) -> Problem {
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
        self
    }

    pub fn internal() -> Problem {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "internal error; quote the request id when reporting it",
        )
    }

    /// Maps a store error. Unknown kinds are internal errors, logged in full.
    pub fn from_store(err: &StoreError) -> Problem {
        match err {
            StoreError::UnknownTenant(slug) => Problem::new(
                StatusCode::NOT_FOUND,
                "tenant_not_found",
                format!("no agency is registered as {slug:?}"),
            ),
            StoreError::Suspended { slug } => Problem::new(
                StatusCode::LOCKED,
                "tenant_suspended",
                format!(
                    "agency {slug:?} is suspended; its administrator can contact support to reactivate it"
                ),
            ),
            StoreError::NotProvisioned { slug, .. } => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "tenant_unavailable",
                format!("agency {slug:?} is still being set up; try again shortly"),
            ),
            StoreError::PoolBudgetExhausted { .. } => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "the service is busy; retry shortly",
            ),
            other => {
                tracing::error!(error = %other, "internal error");
                Problem::internal()
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = Body {
            type_: format!(
                "https://comply360.dev/problems/{}",
                self.code.replace('_', "-")
            ),
            title: self.status.canonical_reason().unwrap_or("Error"),
            status: self.status.as_u16(),
            detail: &self.detail,
            code: self.code,
            errors: &self.errors,
        };
        let mut res = (self.status, axum::Json(&body)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        res
    }
}

impl From<StoreError> for Problem {
    fn from(err: StoreError) -> Problem {
        Problem::from_store(&err)
    }
}

/// Adds the request id to every problem body, so a user can quote it and an operator can find
/// the log lines. Runs inside the request-id layer, so the id is already set.
pub async fn stamp_request_id(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let res = next.run(req).await;
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == b"application/problem+json");
    let Some(id) = id.filter(|_| is_problem) else {
        return res;
    };
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return Problem::internal().into_response();
    };
    let mut value: serde_json::Value =
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    if let Some(obj) = value.as_object_mut() {
        obj.insert("request_id".into(), serde_json::Value::String(id));
    }
    let body = serde_json::to_vec(&value).unwrap_or_else(|_| bytes.to_vec());
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}
