//! Headless Chromium through chromedriver, for the suites that test pages in a real browser.
//! The flags keep Chromium from reaching for Google's hosts on this closed network.

use crate::free_port;
use fantoccini::ClientBuilder;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The chromedriver process, stopped on drop.
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// chromedriver on a free port, or None (skip) when Chromium is not installed outside CI.
pub async fn chromedriver() -> Option<(Driver, u16)> {
    let installed = ["/usr/bin/chromedriver", "/usr/bin/chromium"]
        .iter()
        .all(|p| std::path::Path::new(p).exists());
    if !installed {
        assert!(
            !crate::ci(),
            "chromium and chromium-driver are required under CI=true (scripts/test installs them)"
        );
        eprintln!("skipped: Chromium is not installed (scripts/test installs it)");
        return None;
    }
    let port = free_port();
    let child = Command::new("/usr/bin/chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some((driver, port));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not listen on {port}");
}

/// A Chrome DevTools Protocol command, through chromedriver's `goog/cdp/execute` endpoint.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or("")
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = json!({"cmd": self.cmd, "params": self.params}).to_string();
        (axum::http::Method::POST, Some(body))
    }
}

async fn cdp(
    client: &fantoccini::Client,
    cmd: &'static str,
    params: serde_json::Value,
) -> serde_json::Value {
    client
        .issue_cmd(Cdp { cmd, params })
        .await
        .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"))
}

/// A headless Chromium (desktop width) that keeps its console log for us
/// (`goog:loggingPrefs`).
pub async fn browser(port: u16, profile: &std::path::Path) -> fantoccini::Client {
    browser_sized(port, profile, 1366, 1000).await
}

/// A headless Chromium whose window is `width` × `height` CSS pixels (375 for a phone).
pub async fn browser_sized(
    port: u16,
    profile: &std::path::Path,
    width: u32,
    height: u32,
) -> fantoccini::Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a Chromium session");
    // Headless Chromium will not make a window narrower than 500 px: a phone's width is set
    // on the page's viewport instead, as the device toolbar does.
    cdp(
        &client,
        "Emulation.setDeviceMetricsOverride",
        json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}),
    )
    .await;
    client
}

/// The page's text once it contains `needle` (pages change under us after a click, so a
/// read may find a stale document: it is simply read again).
pub async fn wait_for_text(client: &fantoccini::Client, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut text = String::new();
    while Instant::now() < deadline {
        if let Ok(body) = client.find(fantoccini::Locator::Css("body")).await
            && let Ok(t) = body.text().await
        {
            text = t;
            if text.contains(needle) {
                return text;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{needle:?} never appeared; the page says: {text}");
}

/// Waits until the browser's address contains `needle`: a click that starts a navigation
/// returns before the navigation ends, and a `goto` issued meanwhile can be overtaken by it.
pub async fn wait_for_url(client: &fantoccini::Client, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut url = String::new();
    while Instant::now() < deadline {
        if let Ok(u) = client.current_url().await {
            url = u.to_string();
            if url.contains(needle) {
                return url;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the browser never reached an address with {needle:?}; it is at {url}");
}

/// axe-core 4.14.1 (from the npm registry, vendored in this crate), run in the page: the
/// serious and critical violations of WCAG 2.x A/AA rules, one line each.
pub async fn accessibility_violations(client: &fantoccini::Client) -> Vec<String> {
    const AXE: &str = include_str!("../assets/axe.min.js");
    client
        .execute(AXE, vec![])
        .await
        .expect("axe-core loads in the page");
    let result = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}})
                  .then(r => done(r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
                     .map(v => v.id + " (" + v.impact + "): " + v.help + " at " + v.nodes.map(n => n.target.join(" ")).slice(0, 3).join(", "))))
                  .catch(e => done(["axe failed: " + e]));"#,
            vec![],
        )
        .await
        .expect("axe-core runs");
    strings(&result)
}

/// A script's answer read as a list of strings (anything else: none).
fn strings(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Where the tests' screenshots go: `target/screenshots` (CI keeps it as an artefact).
pub fn screenshot_dir() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshot directory");
    dir
}

/// Saves the whole page (not only what the window shows) as `<name>.png` under
/// [`screenshot_dir`].
pub async fn screenshot(client: &fantoccini::Client, name: &str) {
    use base64::Engine;
    let shot = cdp(
        client,
        "Page.captureScreenshot",
        json!({"format": "png", "captureBeyondViewport": true}),
    )
    .await;
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().expect("screenshot data"))
        .expect("base64 PNG");
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png)
        .expect("write the screenshot");
}

/// Types `value` into the input with id `id`, replacing what it held.
pub async fn fill(client: &fantoccini::Client, id: &str, value: &str) {
    let field = client
        .find(fantoccini::Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"));
    field.clear().await.expect("clear the field");
    field.send_keys(value).await.expect("type into the field");
}

/// Clicks the element at `xpath`.
pub async fn click(client: &fantoccini::Client, xpath: &str) {
    client
        .find(fantoccini::Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("{xpath}: {e}"))
        .click()
        .await
        .expect("click");
}

/// Clicks the page's button labelled `label` (inside `main`, not the header's).
pub async fn press(client: &fantoccini::Client, label: &str) {
    click(
        client,
        &format!("//main//button[normalize-space()=\"{label}\"]"),
    )
    .await;
}

/// Holds the page to axe-core (no serious or critical violation) and saves it as
/// `<name>-<width>.png`.
pub async fn judge(client: &fantoccini::Client, name: &str, width: u32) {
    let violations = accessibility_violations(client).await;
    assert!(
        violations.is_empty(),
        "{name} at {width}px has accessibility violations:\n{}",
        violations.join("\n")
    );
    let overflowing = wider_than_the_window(client).await;
    assert!(
        overflowing.is_empty(),
        "{name} at {width}px is wider than the window (it scrolls sideways) because of:\n{}",
        overflowing.join("\n")
    );
    screenshot(client, &format!("{name}-{width}")).await;
}

/// The elements that reach past the window's right edge, when the page is wider than the
/// window (nothing when it fits): the innermost few, each as tag.class "text".
pub async fn wider_than_the_window(client: &fantoccini::Client) -> Vec<String> {
    let result = client
        .execute(
            r#"if (document.documentElement.scrollWidth <= window.innerWidth) return [];
               const past = [...document.querySelectorAll("body *")]
                 .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
                 .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 0.5));
               const found = past.slice(0, 5).map(e => e.tagName.toLowerCase()
                 + (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "")
                 + " \"" + (e.textContent || "").trim().slice(0, 60) + "\"");
               return found.length ? found : ["the page is " + document.documentElement.scrollWidth + "px wide"];"#,
            vec![],
        )
        .await
        .expect("measure the page's width");
    strings(&result)
}

/// Sets the page's viewport to `width` × `height` (as the device toolbar does).
pub async fn set_width(client: &fantoccini::Client, width: u32, height: u32) {
    cdp(
        client,
        "Emulation.setDeviceMetricsOverride",
        json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}),
    )
    .await;
}

/// Waits until the page is laid out at `width`: the window has that width and two animation
/// frames have passed since (the first frame applies the new size, the second paints it).
async fn laid_out(client: &fantoccini::Client, width: u32) {
    let done = client
        .execute_async(
            r#"const [width, done] = arguments;
               const frames = () => requestAnimationFrame(() => requestAnimationFrame(() => done(window.innerWidth)));
               if (window.innerWidth === width) frames();
               else window.addEventListener("resize", frames, {once: true});"#,
            vec![json!(width)],
        )
        .await
        .expect("wait for the page's layout");
    assert_eq!(
        done.as_u64(),
        Some(u64::from(width)),
        "the window is {width}px wide"
    );
}

/// [`judge`] of the page at desktop (1280 px) and phone (375 px) widths, then back to desktop.
pub async fn judge_widths(client: &fantoccini::Client, name: &str) {
    for width in [1280, 375] {
        set_width(client, width, 900).await;
        laid_out(client, width).await;
        judge(client, name, width).await;
    }
    set_width(client, 1280, 900).await;
}
