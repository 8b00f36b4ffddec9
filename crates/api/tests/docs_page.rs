//! The docs page (`/api/docs`, Swagger UI vendored into the binary): its files are served
//! with their types and cache headers, and in a real browser (headless Chromium through
//! chromedriver) it renders the OpenAPI document under the app's security headers, with no
//! request to another host and no Content-Security-Policy violation.

use comply360_testkit::browser::{browser, chromedriver};
use comply360_testkit::{TestDb, spawn_app};
use fantoccini::Locator;
use fantoccini::wd::WebDriverCompatibleCommand;
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use serde_json::{Value, json};
use std::time::Duration;

fn header(res: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    res.headers()
        .get(&name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The addresses the page links (`href` and `src` attributes).
fn links(html: &str) -> Vec<String> {
    html.split(['"', '\''])
        .filter(|s| s.starts_with('/'))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_page_and_its_files_are_served_with_their_types_and_cache_headers() {
    let db = TestDb::new().await;
    let app = spawn_app(db.store.clone()).await;
    let http = reqwest::Client::new();

    let res = http.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, CONTENT_TYPE), "text/html; charset=utf-8");
    assert_eq!(header(&res, CACHE_CONTROL), "no-cache");
    // The app's policy, unchanged: no inline script.
    let csp = header(&res, CONTENT_SECURITY_POLICY);
    assert!(csp.contains("script-src 'self';"), "{csp}");
    let html = res.text().await.unwrap();
    assert!(!html.contains("<script>"), "inline script in {html}");

    let linked = links(&html);
    let expected = [
        ("swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
        ("swagger-ui.css", "text/css; charset=utf-8"),
        ("favicon-32x32.png", "image/png"),
        ("api-docs.js", "text/javascript; charset=utf-8"),
        ("api-docs.css", "text/css; charset=utf-8"),
    ];
    for (name, content_type) in expected {
        let url = linked
            .iter()
            .find(|l| l.starts_with(&format!("/api/docs/{name}?v=")))
            .unwrap_or_else(|| panic!("{name} is not linked by version: {linked:?}"));
        let res = http.get(app.url(url)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{url}");
        assert_eq!(header(&res, CONTENT_TYPE), content_type, "{url}");
        assert_eq!(
            header(&res, CACHE_CONTROL),
            "public, max-age=31536000, immutable",
            "{url}"
        );
        let etag = header(&res, ETAG);
        assert!(etag.starts_with('"') && etag.len() > 2, "{url}: {etag:?}");
        assert!(!res.bytes().await.unwrap().is_empty());

        // Unversioned: revalidated; the ETag answers 304 without the body.
        let plain = app.url(&format!("/api/docs/{name}"));
        let res = http.get(&plain).send().await.unwrap();
        assert_eq!(header(&res, CACHE_CONTROL), "no-cache", "{plain}");
        let res = http
            .get(&plain)
            .header(IF_NONE_MATCH, &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED, "{plain}");
        assert_eq!(header(&res, ETAG), etag);
        assert!(res.bytes().await.unwrap().is_empty());
    }
    // The JavaScript the page runs is Swagger UI's bundle and our start-up file, which never
    // points at another host: no validator badge, no document named by the query string.
    let init = http
        .get(app.url("/api/docs/api-docs.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        "url: \"/api/v1/openapi.json\"",
        "validatorUrl: null",
        "queryConfigEnabled: false",
    ] {
        assert!(init.contains(needle), "{needle} in {init}");
    }

    let res = http
        .get(app.url("/api/docs/swagger-ui.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&res, CONTENT_TYPE), "application/problem+json");
}

/// A chromedriver command outside the W3C set: `POST /session/{id}/{path}` with `body`.
#[derive(Debug)]
struct Chromium {
    path: &'static str,
    body: Value,
}

impl WebDriverCompatibleCommand for Chromium {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(self.body.to_string()))
    }
}

/// Runs before any script of every new document: records the page's CSP violations.
const RECORD_VIOLATIONS: &str = "window.__cspViolations = [];\
     document.addEventListener('securitypolicyviolation', e => \
     window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_docs_page_renders_the_api_with_nothing_from_another_host() {
    let Some((_driver, driver_port)) = chromedriver().await else {
        return;
    };
    let db = TestDb::new().await;
    let app = spawn_app(db.store.clone()).await;
    let origin = format!("http://127.0.0.1:{}", app.addr.port());
    let profile = tempfile::tempdir().unwrap();
    let client = browser(driver_port, profile.path()).await;
    client
        .issue_cmd(Chromium {
            path: "goog/cdp/execute",
            body: json!({
                "cmd": "Page.addScriptToEvaluateOnNewDocument",
                "params": {"source": RECORD_VIOLATIONS},
            }),
        })
        .await
        .unwrap();

    client.goto(&format!("{origin}/api/docs")).await.unwrap();
    // Swagger UI has fetched the document and rendered its operations and title.
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(".opblock"))
        .await
        .expect("Swagger UI rendered no operation");
    let title = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(".info .title"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(title.contains("Comply360 API"), "{title}");
    // Past 150 tags and operations Swagger UI renders the list virtualised (only what the
    // window shows is in the page: `.operations-virtual`), so the count is of what it loaded;
    // the page shows operations, and holds every one.
    let shown: Value = client
        .execute(
            "return document.querySelectorAll('.opblock').length",
            vec![],
        )
        .await
        .unwrap();
    assert!(shown.as_u64().unwrap() >= 1, "{shown} operations shown");
    let operations: Value = client
        .execute("return window.ui.specSelectors.operations().size", vec![])
        .await
        .unwrap();
    assert!(
        operations.as_u64().unwrap() >= 40,
        "{operations} operations"
    );

    // Every request the page made went to this origin.
    let urls: Value = client
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name)\
             .concat([location.href])",
            vec![],
        )
        .await
        .unwrap();
    let urls: Vec<String> = serde_json::from_value(urls).unwrap();
    assert!(
        urls.iter().any(|u| u.contains("/api/v1/openapi.json"))
            && urls
                .iter()
                .any(|u| u.contains("/api/docs/swagger-ui-bundle.js")),
        "{urls:?}"
    );
    let elsewhere: Vec<&String> = urls
        .iter()
        .filter(|u| url::Url::parse(u).unwrap().origin().ascii_serialization() != origin)
        .collect();
    assert!(
        elsewhere.is_empty(),
        "requests to another host: {elsewhere:?}"
    );

    // No error in the console (blocked loads show there as "security" errors), and no
    // Content-Security-Policy violation as the page saw them (this also catches a refused
    // `eval`, which the console log leaves out).
    let log = client
        .issue_cmd(Chromium {
            path: "se/log",
            body: json!({"type": "browser"}),
        })
        .await
        .unwrap();
    let errors: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["level"] == "SEVERE"
                || e["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("Content Security Policy"))
        })
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");
    let violations: Value = client
        .execute("return window.__cspViolations", vec![])
        .await
        .unwrap();
    assert_eq!(violations, json!([]), "CSP violations");

    // A picture of the page at desktop width, for a person to look at.
    let png = client.screenshot().await.unwrap();
    let shot = std::env::temp_dir().join("api-docs.png");
    std::fs::write(&shot, png).unwrap();
    eprintln!("screenshot: {}", shot.display());
    client.close().await.unwrap();
}
