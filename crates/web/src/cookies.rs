//! The portal's cookies: the session's access and refresh tokens and the CSRF token.
//!
//! Every cookie is `HttpOnly` (no script reads it), `SameSite` (`Lax` for the access token so
//! a link from an email opens a signed-in page; `Strict` for the refresh and CSRF tokens, which
//! no other site's page ever needs to send), and `Secure` when the request reached us over TLS.

use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

pub const CSRF: &str = "c360_csrf";
pub const ACCESS: &str = "c360_access";
pub const REFRESH: &str = "c360_refresh";

/// How long a CSRF token lives: a form left open over a working day still posts.
const CSRF_TTL_SECS: u64 = 12 * 3600;

/// The value of cookie `name` in the request, if sent.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SameSite {
    Lax,
    Strict,
}

/// A `Set-Cookie` value; `max_age` 0 deletes the cookie.
pub fn set(
    name: &str,
    value: &str,
    max_age: u64,
    same_site: SameSite,
    secure: bool,
) -> HeaderValue {
    let same_site = match same_site {
        SameSite::Lax => "Lax",
        SameSite::Strict => "Strict",
    };
    let secure = if secure { "; Secure" } else { "" };
    // Token values are base64url or JWTs: always valid header text.
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age}{secure}"
    ))
    .unwrap_or(HeaderValue::from_static("c360_invalid=1; Max-Age=0"))
}

/// A new random CSRF token (256 bits, base64url: 43 characters).
fn new_csrf() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The page's CSRF token: the cookie's when it has one, else a new one and its cookie.
pub fn csrf_for(headers: &HeaderMap, secure: bool) -> (String, Option<HeaderValue>) {
    match read(headers, CSRF).filter(|c| c.len() == 43) {
        Some(token) => (token, None),
        None => {
            let token = new_csrf();
            let cookie = set(CSRF, &token, CSRF_TTL_SECS, SameSite::Strict, secure);
            (token, Some(cookie))
        }
    }
}

/// The cookies that end a browser session.
pub fn cleared(secure: bool) -> [HeaderValue; 2] {
    [
        set(ACCESS, "", 0, SameSite::Lax, secure),
        set(REFRESH, "", 0, SameSite::Strict, secure),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_http_only_same_site_and_secure_over_tls() {
        let c = set(ACCESS, "abc", 60, SameSite::Lax, true);
        assert_eq!(
            c.to_str().unwrap(),
            "c360_access=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
        let c = set(REFRESH, "x", 0, SameSite::Strict, false);
        assert!(!c.to_str().unwrap().contains("Secure"));
    }

    #[test]
    fn the_csrf_token_is_kept_while_its_cookie_lives() {
        let (first, cookie) = csrf_for(&HeaderMap::new(), false);
        assert_eq!(first.len(), 43);
        let mut headers = HeaderMap::new();
        let sent = cookie
            .unwrap()
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        headers.insert(header::COOKIE, HeaderValue::from_str(&sent).unwrap());
        let (again, none) = csrf_for(&headers, false);
        assert_eq!(again, first);
        assert!(none.is_none());
    }
}
