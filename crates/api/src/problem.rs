//! Errors as `application/problem+json` (RFC 9457) with a stable `code`.
//!
//! Layering: libraries return precise error enums (`StoreError`); handlers turn them into a
//! [`Problem`] here and nowhere else. A 5xx says only "internal error" plus the request id; the
//! full error goes to the log.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use comply360_identity::AuthError;
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
    /// Extra response headers (`Retry-After`, `WWW-Authenticate`).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// With `plan_limit_reached`: the limit, what the plan allows, and the upgrade.
    pub plan_limit: Option<Box<PlanLimitBody>>,
}

/// The machine-readable half of `plan_limit_reached`.
#[derive(Debug, Clone, Serialize)]
pub struct PlanLimitBody {
    pub limit: &'static str,
    pub allowed: Option<u64>,
    pub plan: &'static str,
    pub upgrade: Option<&'static str>,
}

/// A plan's refusal: 403 `plan_limit_reached`, naming the limit and the upgrade.
pub fn plan_limit(limit: &comply360_domain::plans::PlanLimitReached) -> Problem {
    let mut p = Problem::new(
        StatusCode::FORBIDDEN,
        "plan_limit_reached",
        limit.detail.clone(),
    );
    p.plan_limit = Some(Box::new(PlanLimitBody {
        limit: limit.limit,
        allowed: limit.allowed,
        plan: limit.plan,
        upgrade: limit.upgrade,
    }));
    p
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
    #[serde(skip_serializing_if = "Option::is_none")]
    plan_limit: Option<&'a PlanLimitBody>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Problem {
        Problem {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            headers: Vec::new(),
            plan_limit: None,
        }
    }

    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Problem {
        self.headers.push((name, value));
        self
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
            StoreError::BillingHold { slug, .. } => Problem::new(
                StatusCode::LOCKED,
                "billing_hold",
                format!(
                    "agency {slug:?} has an unpaid platform invoice past its grace period, so changes are paused (everything can still be read); an administrator pays it under Settings › Plan and billing, and changes resume at once"
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
            // The database is down or restarting: retry, nothing was done.
            other if other.is_unavailable() => {
                tracing::warn!(error = %other, "database unavailable");
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "the service cannot reach its database just now; nothing was changed, retry in a few seconds",
                )
                .with_header(header::RETRY_AFTER, HeaderValue::from_static("5"))
            }
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
            plan_limit: self.plan_limit.as_deref(),
        };
        let mut res = (self.status, axum::Json(&body)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        for (name, value) in self.headers {
            res.headers_mut().insert(name, value);
        }
        res
    }
}

/// Maps an identity error. Refusals of credentials are 401 and never say whether an account
/// exists; internal errors are logged in full and reported as "internal error".
pub fn from_auth(err: &AuthError) -> Problem {
    match err {
        AuthError::PlanLimit(limit) => plan_limit(limit),
        AuthError::InvalidCredentials => Problem::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            err.to_string(),
        ),
        AuthError::InvalidCode => Problem::new(
            StatusCode::UNAUTHORIZED,
            "invalid_mfa_code",
            err.to_string(),
        ),
        AuthError::InvalidToken(_) => {
            Problem::new(StatusCode::UNAUTHORIZED, "invalid_token", err.to_string())
        }
        AuthError::RefreshReused => Problem::new(
            StatusCode::UNAUTHORIZED,
            "refresh_token_reused",
            err.to_string(),
        ),
        AuthError::WeakPassword(v) => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "the password is not acceptable",
        )
        .with_field("password", v.to_string()),
        AuthError::Invalid { field, message } => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!("{field} {message}"),
        )
        .with_field(field, message.clone()),
        AuthError::NotFound(what) => Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no such {what} in this agency"),
        ),
        AuthError::Conflict(detail) => {
            Problem::new(StatusCode::CONFLICT, "conflict", detail.clone())
        }
        AuthError::Forbidden(detail) => {
            Problem::new(StatusCode::FORBIDDEN, "forbidden", detail.clone())
        }
        AuthError::Store(store) => Problem::from_store(store),
        AuthError::Internal(detail) => {
            tracing::error!(error = %detail, "internal error in identity");
            Problem::internal()
        }
    }
}

impl From<AuthError> for Problem {
    fn from(err: AuthError) -> Problem {
        from_auth(&err)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_that_cannot_be_reached_is_a_503_to_retry_never_a_500() {
        let down = [
            StoreError::Db(sqlx::Error::PoolTimedOut),
            StoreError::Db(sqlx::Error::PoolClosed),
            StoreError::Db(sqlx::Error::Io(std::io::Error::from(
                std::io::ErrorKind::ConnectionRefused,
            ))),
            StoreError::Unreachable {
                host: "db".into(),
                port: 5432,
                reason: "connection refused".into(),
            },
        ];
        for err in down {
            let p = Problem::from_store(&err);
            assert_eq!(p.status, StatusCode::SERVICE_UNAVAILABLE, "{err}");
            assert_eq!(p.code, "database_unavailable");
            assert!(!p.detail.contains("5432") && !p.detail.contains("refused"));
            let res = p.into_response();
            assert_eq!(res.headers()[header::RETRY_AFTER], "5");
        }
        let p = Problem::from_store(&StoreError::Db(sqlx::Error::RowNotFound));
        assert_eq!(p.status, StatusCode::INTERNAL_SERVER_ERROR);
    }
}
