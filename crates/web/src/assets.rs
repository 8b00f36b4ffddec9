//! The portal's files (one stylesheet, htmx, a small script of our own), built into the
//! binary and served from our own origin: no front-end build step, no request to another host.
//!
//! Each is linked as `/assets/<name>?v=<digest of its bytes>`, so a browser may keep it a year:
//! a new binary with a changed file links a new address. The agency's colour is a stylesheet of
//! its own (`/assets/brand.css`), because the CSP allows no inline style.

use axum::extract::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::LazyLock;

struct Asset {
    bytes: &'static [u8],
    content_type: &'static str,
    version: String,
}

const FILES: [(&str, &[u8], &str); 3] = [
    (
        "app.css",
        include_bytes!("../assets/app.css"),
        "text/css; charset=utf-8",
    ),
    (
        "app.js",
        include_bytes!("../assets/app.js"),
        "text/javascript; charset=utf-8",
    ),
    // htmx 2.0.11 from the npm registry (htmx.org), unmodified.
    (
        "htmx.min.js",
        include_bytes!("../assets/htmx.min.js"),
        "text/javascript; charset=utf-8",
    ),
];

static ASSETS: LazyLock<HashMap<&'static str, Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(name, bytes, content_type)| {
            let digest = Sha256::digest(bytes);
            let version = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
            (
                *name,
                Asset {
                    bytes,
                    content_type,
                    version,
                },
            )
        })
        .collect()
});

/// The address of asset `name`, versioned by its content.
pub fn url(name: &str) -> String {
    match ASSETS.get(name) {
        Some(a) => format!("/assets/{name}?v={}", a.version),
        None => format!("/assets/{name}"),
    }
}

#[derive(Deserialize)]
pub struct Version {
    v: Option<String>,
}

pub async fn serve(Path(name): Path<String>, Query(q): Query<Version>) -> Response {
    let Some(asset) = ASSETS.get(name.as_str()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // Only the current version's address is cached for long.
    let cache = if q.v.as_deref() == Some(asset.version.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut res = asset.bytes.into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res
}

#[cfg(test)]
mod tests {
    /// A brace left open swallows every rule after it (a merge once did that to the
    /// dashboard's): the stylesheet's blocks must close, in order.
    #[test]
    fn the_stylesheet_closes_every_block() {
        let css = std::str::from_utf8(include_bytes!("../assets/app.css")).unwrap();
        let mut depth = 0i32;
        for (n, line) in css.lines().enumerate() {
            for c in line.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                assert!(depth >= 0, "line {}: a brace closes nothing", n + 1);
                assert!(depth <= 2, "line {}: blocks nest deeper than @media", n + 1);
            }
            if line.starts_with("/* ") {
                assert_eq!(
                    depth,
                    0,
                    "line {}: a section starts inside an open block",
                    n + 1
                );
            }
        }
        assert_eq!(depth, 0, "a block is never closed");
    }
}
