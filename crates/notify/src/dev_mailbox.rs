//! The dev mailbox page: what the mailbox transport "sent", for a person on a laptop.
//!
//! `GET /dev/mailbox` lists the directory's messages, newest first; `GET /dev/mailbox/{file}`
//! shows one: its headers, the text body, and the HTML body in a sandboxed iframe (`srcdoc`,
//! no scripts, no same origin). Everything shown is HTML-escaped, file names are checked
//! against a strict pattern (no path traversal), and pages carry a restrictive CSP. For the
//! embedded default only; `serve` mounts it there and nowhere else.

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use mail_parser::{Address, MessageParser};
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, Value, context};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

/// How many messages the list shows.
const LIST_LIMIT: usize = 200;

const LIST_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Dev mailbox</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#1f2933}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #e4e7eb;vertical-align:top}th{background:#f4f5f7}
.muted{color:#616e7c;font-size:.9em}</style></head>
<body><h1>Dev mailbox</h1>
<p class="muted">Email written by the mailbox transport to <code>{{ dir }}</code>, newest first.</p>
{% if messages %}
<table><thead><tr><th>Time</th><th>Tenant</th><th>From</th><th>To</th><th>Subject</th></tr></thead><tbody>
{% for m in messages %}
<tr><td>{{ m.date }}</td><td>{{ m.tenant }}</td><td>{{ m.from }}</td><td>{{ m.to }}</td>
<td><a href="/dev/mailbox/{{ m.file }}">{{ m.subject }}</a></td></tr>
{% endfor %}
</tbody></table>
{% else %}
<p>No messages yet.</p>
{% endif %}
</body></html>"#;

const MESSAGE_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ subject }}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#1f2933}th,td{text-align:left;padding:.2rem .6rem;vertical-align:top}
pre{background:#f4f5f7;padding:1rem;white-space:pre-wrap}iframe{width:100%;height:36rem;border:1px solid #e4e7eb}</style></head>
<body><p><a href="/dev/mailbox">&larr; Dev mailbox</a></p>
<h1>{{ subject }}</h1>
<table>
{% for h in headers %}<tr><th>{{ h[0] }}</th><td>{{ h[1] }}</td></tr>
{% endfor %}
</table>
{% if html %}
<h2>HTML</h2>
<iframe sandbox="" referrerpolicy="no-referrer" title="HTML body" srcdoc="{{ html }}"></iframe>
{% endif %}
<h2>Text</h2>
<pre>{{ text }}</pre>
</body></html>"#;

static PAGES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    for (name, source) in [("list.html", LIST_PAGE), ("message.html", MESSAGE_PAGE)] {
        if let Err(err) = env.add_template(name, source) {
            // A unit test renders both pages, so this cannot ship broken.
            tracing::error!(error = %err, "dev mailbox template {name} does not compile");
        }
    }
    env
});

/// The dev mailbox routes, reading `dir` (the mailbox transport's directory).
pub fn mailbox_router(dir: impl Into<PathBuf>) -> Router {
    Router::new()
        .route("/dev/mailbox", get(list))
        .route("/dev/mailbox/{file}", get(show))
        .with_state(Arc::new(dir.into()))
}

#[derive(Serialize)]
struct Summary {
    file: String,
    date: String,
    tenant: String,
    from: String,
    to: String,
    subject: String,
}

/// Names the mailbox writer produces (`<uuid>.eml`); anything else, notably a path, is
/// refused before the file system is touched.
fn is_message_name(name: &str) -> bool {
    name.len() <= 100
        && name.ends_with(".eml")
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn addresses(address: Option<&Address<'_>>) -> String {
    address
        .map(|a| {
            a.iter()
                .map(|addr| match (addr.name(), addr.address()) {
                    (Some(name), Some(email)) => format!("{name} <{email}>"),
                    (None, Some(email)) => email.to_owned(),
                    (Some(name), None) => name.to_owned(),
                    (None, None) => String::new(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

fn summarize(file: String, raw: &[u8]) -> Option<Summary> {
    let message = MessageParser::default().parse(raw)?;
    Some(Summary {
        date: message.date().map(|d| d.to_rfc3339()).unwrap_or_default(),
        tenant: message
            .header_raw("X-Comply360-Tenant")
            .map(|t| t.trim().to_owned())
            .unwrap_or_default(),
        from: addresses(message.from()),
        to: addresses(message.to()),
        subject: message.subject().unwrap_or_default().to_owned(),
        file,
    })
}

fn read_list(dir: &Path) -> std::io::Result<Vec<Summary>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        // Nothing sent yet: the writer creates the directory with the first message.
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err),
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| is_message_name(n))
        .collect();
    // UUIDv7 names sort by time of queueing.
    names.sort_unstable_by(|a, b| b.cmp(a));
    names.truncate(LIST_LIMIT);
    Ok(names
        .into_iter()
        .filter_map(|name| {
            let raw = std::fs::read(dir.join(&name)).ok()?;
            summarize(name, &raw)
        })
        .collect())
}

fn page(html: String) -> Response {
    let mut response = Html(html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src http: https: data:; \
             frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn error(status: StatusCode, text: &'static str) -> Response {
    (status, text).into_response()
}

fn render(name: &str, ctx: Value) -> Response {
    match PAGES.get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => page(html),
        Err(err) => {
            tracing::error!(error = %err, "dev mailbox page {name} failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

async fn list(State(dir): State<Arc<PathBuf>>) -> Response {
    let reading = dir.clone();
    match tokio::task::spawn_blocking(move || read_list(&reading)).await {
        Ok(Ok(messages)) => render(
            "list.html",
            context! { dir => dir.display().to_string(), messages => Value::from(Serde(&messages)) },
        ),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "dev mailbox directory unreadable");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "mailbox directory unreadable",
            )
        }
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
    }
}

async fn show(State(dir): State<Arc<PathBuf>>, UrlPath(file): UrlPath<String>) -> Response {
    if !is_message_name(&file) {
        return error(StatusCode::BAD_REQUEST, "not a message file name");
    }
    let raw = match tokio::fs::read(dir.join(&file)).await {
        Ok(raw) => raw,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return error(StatusCode::NOT_FOUND, "no such message");
        }
        Err(err) => {
            tracing::warn!(error = %err, "dev mailbox message unreadable");
            return error(StatusCode::INTERNAL_SERVER_ERROR, "message unreadable");
        }
    };
    let Some(message) = MessageParser::default().parse(&raw) else {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "not an RFC 5322 message");
    };
    let subject = message.subject().unwrap_or_default().to_owned();
    let mut headers: Vec<(&str, String)> = vec![
        ("From", addresses(message.from())),
        ("To", addresses(message.to())),
    ];
    if message.reply_to().is_some() {
        headers.push(("Reply-To", addresses(message.reply_to())));
    }
    headers.push(("Subject", subject.clone()));
    headers.push((
        "Date",
        message.date().map(|d| d.to_rfc822()).unwrap_or_default(),
    ));
    headers.push((
        "Message-ID",
        message.message_id().unwrap_or_default().to_owned(),
    ));
    if let Some(tenant) = message.header_raw("X-Comply360-Tenant") {
        headers.push(("X-Comply360-Tenant", tenant.trim().to_owned()));
    }
    let text = message
        .body_text(0)
        .map(|t| t.into_owned())
        .unwrap_or_default();
    let html = (message.html_body_count() > 0)
        .then(|| message.body_html(0).map(|h| h.into_owned()))
        .flatten();
    render(
        "message.html",
        context! { subject, headers => Value::from(Serde(&headers)), text, html },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_writer_names_are_accepted() {
        assert!(is_message_name("0199f1c2-7a3b-7c00-8000-000000000001.eml"));
        for bad in [
            "../secret.eml",
            "..",
            ".x.eml.tmp",
            "a/b.eml",
            "a.txt",
            "",
            "%2e%2e.eml/",
        ] {
            assert!(!is_message_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn both_pages_render_and_escape() {
        let html = PAGES
            .get_template("message.html")
            .unwrap()
            .render(context! {
                subject => "<b>hi</b>",
                headers => Value::from(Serde(vec![("From", "A <a@b.example>")])),
                text => "x",
                html => Some("<p onclick=\"x\">hi</p>"),
            })
            .unwrap();
        assert!(!html.contains("<b>hi</b>"));
        assert!(html.contains("&lt;b&gt;hi&lt;&#x2f;b&gt;"), "{html}");
        assert!(
            html.contains("srcdoc=\"&lt;p onclick=&quot;x&quot;&gt;"),
            "{html}"
        );
        let list = PAGES
            .get_template("list.html")
            .unwrap()
            .render(context! { dir => "/tmp", messages => Vec::<String>::new() })
            .unwrap();
        assert!(list.contains("No messages yet."));
    }
}
