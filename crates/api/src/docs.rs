//! The API's description: the OpenAPI document, built once from the route table, and the page
//! that renders it (`/api/docs`, Swagger UI).
//!
//! Swagger UI is vendored from npm (`assets/swagger-ui/README.md` says which version) and
//! embedded in the binary: the page loads nothing from another host and works without a
//! network. Its start-up is our own script file, since the Content-Security-Policy allows no
//! inline script; everything else Swagger UI does (inline `style` attributes, `data:` SVG icons
//! in its stylesheet, fetching the document from this origin) the app's policy already allows
//! (`gateway::headers`), so the page needs no policy of its own.

use crate::problem::Problem;
use crate::routes::{Access, RouteSpec, Routes};
use axum::Extension;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// The document of the routes being served; the router adds it as an extension, so this
/// module needs the table's specs, not the table. Kept as its JSON text: the tree it is built
/// as was about ten times larger in memory than the text, and each request cloned it.
#[derive(Clone)]
pub struct OpenApiDocument(axum::body::Bytes);

impl OpenApiDocument {
    pub fn of(specs: &[RouteSpec]) -> OpenApiDocument {
        // A `Value` always serializes (its keys are strings); `{}` is never served.
        let text =
            serde_json::to_vec(&crate::openapi::document(specs)).unwrap_or_else(|_| b"{}".to_vec());
        OpenApiDocument(text.into())
    }
}

/// The docs page's path; it and its assets are HTML and files, not API operations, so the
/// OpenAPI document leaves them out ([`crate::openapi::documented`]).
pub const PAGE: &str = "/api/docs";

pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .route(
            Method::GET,
            "/api/v1/openapi.json",
            Access::Public,
            crate::routes::Op::new("this document").answer_json(
                200,
                crate::routes::Schema::raw(serde_json::json!({
                    "type": "object",
                    "description": "An OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.0).",
                    "required": ["openapi", "info", "paths"]
                })),
            ),
            openapi_document,
        )
        .route(
            Method::GET,
            PAGE,
            Access::Public,
            crate::routes::Op::new("this document as a page (Swagger UI)"),
            page,
        )
        .route(
            Method::GET,
            "/api/docs/{asset}",
            Access::Public,
            crate::routes::Op::new("the docs page's scripts and styles"),
            asset,
        )
}

async fn openapi_document(Extension(document): Extension<OpenApiDocument>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        document.0,
    )
        .into_response()
}

/// A file served under `/api/docs/`.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: [Asset; 5] = [
    Asset {
        name: "swagger-ui-bundle.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/swagger-ui/swagger-ui-bundle.js"),
    },
    Asset {
        name: "swagger-ui.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../assets/swagger-ui/swagger-ui.css"),
    },
    Asset {
        name: "favicon-32x32.png",
        content_type: "image/png",
        bytes: include_bytes!("../assets/swagger-ui/favicon-32x32.png"),
    },
    Asset {
        name: "api-docs.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/api-docs.js"),
    },
    Asset {
        name: "api-docs.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../assets/api-docs.css"),
    },
];

/// Each asset's version, a prefix of its SHA-256 computed on first use: its ETag (quoted),
/// and the `?v=` of the address the page links, so a changed file is a new address and the
/// old one can be cached for good.
static VERSIONS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| format!("{:x}", Sha256::digest(a.bytes))[..16].to_owned())
        .collect()
});

/// The asset called `name` and its version.
fn find(name: &str) -> Option<(&'static Asset, &'static str)> {
    ASSETS
        .iter()
        .zip(VERSIONS.iter())
        .find(|(a, _)| a.name == name)
        .map(|(a, v)| (a, v.as_str()))
}

/// The address of an asset with its version.
fn versioned(name: &str) -> String {
    let version = find(name).map_or("", |(_, v)| v);
    format!("{PAGE}/{name}?v={version}")
}

static PAGE_HTML: LazyLock<String> = LazyLock::new(|| {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Comply360 API reference</title>
<link rel="stylesheet" href="{ui_css}">
<link rel="stylesheet" href="{page_css}">
<link rel="icon" type="image/png" sizes="32x32" href="{icon}">
</head>
<body>
<div id="swagger-ui">
<noscript><p class="api-docs-fallback">This page needs JavaScript. The API's description is
<a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1).</p></noscript>
</div>
<script src="{ui_js}"></script>
<script src="{page_js}"></script>
</body>
</html>
"#,
        ui_css = versioned("swagger-ui.css"),
        page_css = versioned("api-docs.css"),
        icon = versioned("favicon-32x32.png"),
        ui_js = versioned("swagger-ui-bundle.js"),
        page_js = versioned("api-docs.js"),
    )
});

async fn page() -> Response {
    // Small, and names the assets' current versions: always revalidated.
    (
        [(header::CACHE_CONTROL, "no-cache")],
        Html(PAGE_HTML.as_str()),
    )
        .into_response()
}

async fn asset(
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let Some((asset, version)) = find(&name) else {
        return Problem::new(StatusCode::NOT_FOUND, "not_found", "no such file").into_response();
    };
    // The versioned address never changes content; any other is revalidated by its ETag.
    let current = format!("v={version}");
    let cache = if query.is_some_and(|q| q.split('&').any(|pair| pair == current)) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let tag = format!("\"{version}\"");
    let etag = HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"\""));
    let cache = HeaderValue::from_static(cache);
    if matches(&headers, &tag) {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        )
            .into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache),
        ],
        asset.bytes,
    )
        .into_response()
}

/// Whether `If-None-Match` names `tag` (weak comparison, as RFC 9110 asks for this header).
fn matches(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim())
        .any(|t| t == "*" || t.trim_start_matches("W/") == tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_links_every_asset_by_version_and_nothing_else() {
        for asset in &ASSETS {
            assert!(
                PAGE_HTML.contains(&versioned(asset.name)),
                "{} is not linked",
                asset.name
            );
        }
        assert!(!PAGE_HTML.contains("http"), "the page links another host");
        assert!(!PAGE_HTML.contains("<script>"), "inline script");
    }

    #[test]
    fn the_page_and_its_files_stay_out_of_the_document() {
        assert!(!crate::routes::documented(PAGE));
        assert!(!crate::routes::documented("/api/docs/{asset}"));
        assert!(crate::routes::documented("/api/v1/openapi.json"));
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists() {
        let tag = format!("\"{}\"", VERSIONS[0]);
        let tag = tag.as_str();
        let mut headers = HeaderMap::new();
        assert!(!matches(&headers, tag));
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&format!("\"x\", W/{tag}")).unwrap(),
        );
        assert!(matches(&headers, tag));
    }
}
