//! A browser-like HTTP client for page tests: it keeps cookies, sends the agency's Host, and
//! puts the page's CSRF token into every form it posts (as a browser submitting our form does).

use comply360_testkit::{TEST_PASSWORD, TestApp};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::collections::BTreeMap;

pub struct Visitor {
    http: reqwest::Client,
    origin: String,
    pub host: String,
    pub cookies: BTreeMap<String, String>,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

impl Visitor {
    /// A visitor of `host_label` (`acme` for `acme.localhost`, `admin` or "" for the console).
    pub fn new(app: &TestApp, host_label: &str) -> Visitor {
        let port = app.addr.port();
        let host = if host_label.is_empty() {
            format!("localhost:{port}")
        } else {
            format!("{host_label}.localhost:{port}")
        };
        Visitor {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            origin: format!("http://{}", app.addr),
            host,
            cookies: BTreeMap::new(),
        }
    }

    fn keep(&mut self, headers: &HeaderMap) {
        for v in headers.get_all("set-cookie") {
            let text = v.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            if text.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), val.to_owned());
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn answer(&mut self, res: reqwest::Response) -> Answer {
        let status = res.status();
        let headers = res.headers().clone();
        self.keep(&headers);
        Answer {
            status,
            headers,
            body: res.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let res = self
            .http
            .get(format!("{}{path}", self.origin))
            .header("host", &self.host)
            .header("accept", "text/html")
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.answer(res).await
    }

    /// Posts `form` with the CSRF token of the session (fetching a page first if there is
    /// none yet), from our own origin.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        if !self.cookies.contains_key("c360_csrf") {
            self.get("/login").await;
        }
        let token = self.cookies["c360_csrf"].clone();
        let mut fields: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        fields.extend_from_slice(form);
        self.post_raw(path, &fields).await
    }

    /// Posts exactly `form` (no token added).
    pub async fn post_raw(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        let res = self
            .http
            .post(format!("{}{path}", self.origin))
            .header("host", &self.host)
            .header("origin", format!("http://{}", self.host))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.answer(res).await
    }

    /// Posts `form` as multipart with the session's CSRF token in the query string (as our
    /// upload forms do).
    pub async fn post_multipart(&mut self, path: &str, form: reqwest::multipart::Form) -> Answer {
        if !self.cookies.contains_key("c360_csrf") {
            self.get("/login").await;
        }
        let token = self.cookies["c360_csrf"].clone();
        let sep = if path.contains('?') { '&' } else { '?' };
        let res = self
            .http
            .post(format!("{}{path}{sep}csrf={token}", self.origin))
            .header("host", &self.host)
            .header("origin", format!("http://{}", self.host))
            .header("accept", "text/html")
            .header("cookie", self.cookie_header())
            .multipart(form)
            .send()
            .await
            .unwrap();
        self.answer(res).await
    }

    /// GETs `path` and answers its status and raw bytes (files, previews, packs).
    pub async fn get_bytes(&mut self, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let res = self
            .http
            .get(format!("{}{path}", self.origin))
            .header("host", &self.host)
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        self.keep(&headers);
        (status, headers, res.bytes().await.unwrap().to_vec())
    }

    /// Signs in through the form with the test password; panics unless it worked.
    pub async fn sign_in(&mut self, email: &str) {
        let res = self
            .post("/login", &[("email", email), ("password", TEST_PASSWORD)])
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert!(self.cookies.contains_key("c360_access"));
    }
}

/// A page's path with real-looking values in place of its `{id}` and `{key}` parameters.
pub fn concrete(path: &str) -> String {
    path.replace("{id}", "0190f2a4-0000-7000-8000-000000000001")
        .replace("{key}", "filing_clerk")
}

/// The link in the newest message of `template` to `to`, as the invitee's mailbox shows it.
pub async fn emailed_link(app: &TestApp, tenant: &str, template: &str, to: &str) -> String {
    app.run_jobs(tenant).await;
    let t = app.store.tenancy().resolve(tenant).await.unwrap();
    let mut tx = app.store.tenancy().begin(&t).await.unwrap();
    let text: String = tx
        .query_scalar(
            "SELECT body_text FROM notification_messages
             WHERE tenant_id = $1 AND template = $2 AND recipient = $3
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(t.id().as_uuid())
        .bind(template)
        .bind(to)
        .fetch_one(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let at = text.find("http").expect("a link in the message");
    text[at..].split_whitespace().next().unwrap().to_owned()
}

pub fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap()
}
