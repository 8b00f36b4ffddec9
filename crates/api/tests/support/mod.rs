//! Helpers shared by the identity test files.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use comply360_testkit::{TEST_PASSWORD, TestApp};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

pub struct Http<'a> {
    pub app: &'a TestApp,
    pub client: reqwest::Client,
}

impl<'a> Http<'a> {
    pub fn new(app: &'a TestApp) -> Http<'a> {
        Http {
            app,
            client: reqwest::Client::new(),
        }
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        tenant: Option<&str>,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut req = self.client.request(method, self.app.url(path));
        if let Some(t) = tenant {
            req = req.header("x-tenant", t);
        }
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.unwrap()
    }

    pub async fn post(
        &self,
        tenant: Option<&str>,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> Response {
        self.send(reqwest::Method::POST, tenant, path, token, Some(body))
            .await
    }

    pub async fn get(&self, tenant: Option<&str>, path: &str, token: Option<&str>) -> Response {
        self.send(reqwest::Method::GET, tenant, path, token, None)
            .await
    }

    pub async fn login(&self, tenant: &str, email: &str, password: &str) -> Response {
        self.post(
            Some(tenant),
            "/api/v1/auth/login",
            None,
            json!({"email": email, "password": password}),
        )
        .await
    }

    /// Signs in with the test password and returns the whole answer (tokens).
    pub async fn signed_in(&self, tenant: &str, email: &str) -> Value {
        let res = self.login(tenant, email, TEST_PASSWORD).await;
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], "signed_in", "{body}");
        body
    }
}

/// Asserts a problem response and returns its body.
pub async fn problem(res: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(res.status(), status, "expected {status} {code}");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    body
}

/// Base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn unb64(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap()
}

/// The claims of a token (unverified), for tests that tamper with them.
pub fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&unb64(payload)).unwrap()
}

pub fn header_of(token: &str) -> Value {
    let header = token.split('.').next().unwrap();
    serde_json::from_slice(&unb64(header)).unwrap()
}

/// The plain token in the newest message of `template` to `to` (from its link).
pub async fn emailed_token(app: &TestApp, tenant: &str, template: &str, to: &str) -> String {
    // The message is rendered by `notify.events` from identity's event: run that job first.
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
    let at = text.find("token=").expect("a link with a token") + "token=".len();
    text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}
