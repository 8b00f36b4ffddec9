//! What a page shows when it cannot show what was asked: not found, not permitted, a form
//! that did not come from us, an agency that is not there, and internal errors (a friendly
//! page with the request id to quote; the detail goes to the log with the same id, never to
//! the page).
//!
//! A handler returns a [`PageError`]; its response carries an [`ErrorPage`] marker that
//! [`render`] (a layer over every page) turns into the page, because only the layer sees the
//! request's id.

use crate::templates;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use comply360_api::problem::Problem;
use comply360_identity::AuthError;
use comply360_practice::PracticeError;
use comply360_store::StoreError;
use minijinja::context;

const NOT_FOUND_TEXT: &str =
    "There is nothing at this address. It may have been deleted, or the link is mistyped.";

#[derive(Debug)]
pub enum PageError {
    NotFound,
    Forbidden,
    CsrfRefused,
    TooLarge,
    /// The host names no agency.
    NoAgency,
    /// The agency exists but cannot be served now (suspended, being set up).
    Unavailable(String),
    /// Anything else the API would answer with this problem.
    Problem(Problem),
}

/// A practice refusal as a form shows it: the first message for each field, and the summary
/// (a conflict has only the summary). Any other error is the error page.
pub fn refusal(
    err: PracticeError,
) -> Result<(std::collections::BTreeMap<String, String>, String), PageError> {
    match err {
        PracticeError::Invalid { detail, issues } => {
            let mut errors = std::collections::BTreeMap::new();
            for i in issues {
                errors.entry(i.field).or_insert(i.message);
            }
            Ok((errors, detail))
        }
        PracticeError::Conflict { detail, .. } => Ok((std::collections::BTreeMap::new(), detail)),
        other => Err(other.into()),
    }
}

/// The marker [`render`] turns into the page.
#[derive(Clone, Debug)]
pub struct ErrorPage {
    pub title: &'static str,
    pub message: String,
}

impl From<Problem> for PageError {
    fn from(p: Problem) -> PageError {
        match p.status {
            StatusCode::NOT_FOUND => PageError::NotFound,
            StatusCode::FORBIDDEN => PageError::Forbidden,
            _ => PageError::Problem(p),
        }
    }
}

impl From<PracticeError> for PageError {
    fn from(e: PracticeError) -> PageError {
        Problem::from(e).into()
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> PageError {
        Problem::from_store(&e).into()
    }
}

impl From<AuthError> for PageError {
    fn from(e: AuthError) -> PageError {
        comply360_api::problem::from_auth(&e).into()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            PageError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                NOT_FOUND_TEXT.to_owned(),
            ),
            PageError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Not permitted",
                "Your role does not allow this. Ask your agency's administrator if you need it.".to_owned(),
            ),
            PageError::CsrfRefused => (
                StatusCode::FORBIDDEN,
                "Form expired",
                "This form has expired or did not come from this site. Go back, reload the page and try again.".to_owned(),
            ),
            PageError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                "What you sent is larger than this form accepts.".to_owned(),
            ),
            PageError::NoAgency => (
                StatusCode::NOT_FOUND,
                "No agency here",
                "No agency uses this address. Check the link your agency sent you.".to_owned(),
            ),
            PageError::Unavailable(why) => {
                (StatusCode::SERVICE_UNAVAILABLE, "Unavailable", why)
            }
            PageError::Problem(p) if p.status.is_server_error() => (
                p.status,
                "Something went wrong",
                "We could not complete this. Try again; if it keeps happening, tell support the reference below.".to_owned(),
            ),
            PageError::Problem(p) => (p.status, "Not possible", p.detail),
        };
        let mut res = status.into_response();
        res.extensions_mut().insert(ErrorPage { title, message });
        res
    }
}

/// Renders the error page of a response that carries an [`ErrorPage`], with the request id.
pub async fn render(req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let res = next.run(req).await;
    let Some(page) = res.extensions().get::<ErrorPage>().cloned() else {
        return res;
    };
    error_page(res, page.title, &page.message, &request_id)
}

/// `res` with its body replaced by the error page.
fn error_page(res: Response, title: &str, message: &str, request_id: &str) -> Response {
    let (mut parts, _) = res.into_parts();
    let html = templates::render(
        "error.html",
        context! { title, message, request_id, status => parts.status.as_u16() },
    )
    .unwrap_or_else(|| templates::APOLOGY.to_owned());
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Html(html).into_response().into_body())
}

/// A browser's request for a path nothing serves: the not-found page instead of the API's
/// problem document (API paths and non-browser clients keep the problem).
pub async fn html_not_found(req: Request, next: Next) -> Response {
    let browser = !req.uri().path().starts_with("/api/")
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"));
    let res = next.run(req).await;
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|c| c.as_bytes().starts_with(b"application/problem+json"));
    if !(browser && is_problem && res.status() == StatusCode::NOT_FOUND) {
        return res;
    }
    let request_id = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    error_page(res, "Page not found", NOT_FOUND_TEXT, &request_id)
}
