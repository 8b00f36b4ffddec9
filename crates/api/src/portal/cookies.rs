//! The portal's cookies: the session's access and refresh tokens and the CSRF token (the
//! double-submit pattern, compared in constant time, plus our own `Origin`).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use subtle::ConstantTimeEq;

pub(super) const CSRF_COOKIE: &str = "c360_csrf";
pub(super) const ACCESS_COOKIE: &str = "c360_access";
pub(super) const REFRESH_COOKIE: &str = "c360_refresh";

pub(super) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

pub(super) fn set_cookie(name: &str, value: &str, max_age: u64, same_site: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age}"
    ))
    .unwrap_or(HeaderValue::from_static("c360_invalid=1"))
}

fn new_csrf() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The page's CSRF token: the cookie's when it has one, else a new one (and its cookie).
pub(super) fn csrf_for(headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match cookie(headers, CSRF_COOKIE).filter(|c| c.len() == 43) {
        Some(token) => (token, None),
        None => {
            let token = new_csrf();
            let header = set_cookie(CSRF_COOKIE, &token, 12 * 3600, "Strict");
            (token, Some(header))
        }
    }
}

/// Whether a form post carries our CSRF token and, if the browser says where it comes from,
/// comes from our own host.
pub(super) fn csrf_ok(headers: &HeaderMap, submitted: &str) -> bool {
    if let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST)) {
        let origin = origin.to_str().unwrap_or("");
        let host = host.to_str().unwrap_or("");
        let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        if origin_host != host {
            return false;
        }
    }
    match cookie(headers, CSRF_COOKIE) {
        Some(expected) if !submitted.is_empty() => {
            expected.as_bytes().ct_eq(submitted.as_bytes()).into()
        }
        _ => false,
    }
}

pub(super) fn csrf_refused() -> Response {
    (
        StatusCode::FORBIDDEN,
        Html("<!doctype html><title>Refused</title><p>This form has expired or did not come from this site. Go back, reload the page and try again.</p>"),
    )
        .into_response()
}

pub(super) fn with_cookies(
    mut res: Response,
    cookies: impl IntoIterator<Item = HeaderValue>,
) -> Response {
    for c in cookies {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}
