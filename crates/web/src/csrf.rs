//! Cross-site request forgery: every request that changes something (any method but GET and
//! HEAD) must carry the page's CSRF token, and, when the browser says where it comes from
//! (`Origin`), come from our own host.
//!
//! The double-submit pattern: a random token in a `SameSite=Strict` cookie and the same token
//! in the form (a hidden `csrf` field), in the `X-CSRF-Token` header (htmx requests, set once
//! in the layout) or, for file uploads, in the form's query string (a multipart body is
//! streamed to its handler, not read here). Another site's page can send the cookie's name
//! but not its value. Checked once here for every form, so no handler can forget it.

use crate::cookies;
use crate::errors::PageError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

/// The largest form body read for its token (forms are small; uploads are multipart).
const MAX_FORM_BYTES: usize = 1024 * 1024;

fn same_origin(headers: &HeaderMap) -> bool {
    let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST))
    else {
        // No Origin (older browsers on same-origin posts): the token alone decides.
        return true;
    };
    let origin = origin.to_str().unwrap_or("");
    let host = host.to_str().unwrap_or("");
    origin.split_once("://").map_or(origin, |(_, rest)| rest) == host
}

fn matches(headers: &HeaderMap, submitted: &str) -> bool {
    match cookies::read(headers, cookies::CSRF) {
        Some(expected) if !submitted.is_empty() => {
            expected.as_bytes().ct_eq(submitted.as_bytes()).into()
        }
        _ => false,
    }
}

fn field(bytes: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(bytes)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

pub async fn check(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    if !same_origin(req.headers()) {
        return PageError::CsrfRefused.into_response();
    }
    let from_header = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let from_query = req.uri().query().and_then(|q| field(q.as_bytes(), "csrf"));
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let (req, submitted) = match from_header.or(from_query) {
        Some(token) => (req, token),
        None if is_form => {
            let (parts, body) = req.into_parts();
            let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
                return PageError::TooLarge.into_response();
            };
            let token = field(&bytes, "csrf").unwrap_or_default();
            (Request::from_parts(parts, Body::from(bytes)), token)
        }
        None => (req, String::new()),
    };
    if !matches(req.headers(), &submitted) {
        return PageError::CsrfRefused.into_response();
    }
    next.run(req).await
}
