//! Requests to a [`TestApp`]: the tenant as `X-Tenant`, a bearer token, a JSON body.

use crate::{TEST_PASSWORD, TestApp};
use reqwest::{Method, Response, StatusCode};
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
        method: Method,
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
        req.send().await.expect("send the request")
    }

    pub async fn post(
        &self,
        tenant: Option<&str>,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> Response {
        self.send(Method::POST, tenant, path, token, Some(body))
            .await
    }

    pub async fn get(&self, tenant: Option<&str>, path: &str, token: Option<&str>) -> Response {
        self.send(Method::GET, tenant, path, token, None).await
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
        let body: Value = res.json().await.expect("a JSON body");
        assert_eq!(body["status"], "signed_in", "{body}");
        body
    }
}

/// Asserts a problem response (status, `application/problem+json`, code) and returns its body.
pub async fn problem(res: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(res.status(), status, "expected {status} {code}");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: Value = res.json().await.expect("a JSON problem body");
    assert_eq!(body["code"], code, "{body}");
    body
}

/// The fields a validation problem's `errors` name, in its order.
pub fn problem_fields(body: &Value) -> Vec<&str> {
    body["errors"]
        .as_array()
        .expect("a problem with errors")
        .iter()
        .map(|e| e["field"].as_str().expect("each error names its field"))
        .collect()
}

/// Calls the API as `token` of `tenant`: the status and the body (JSON, or the text as a
/// JSON string). The one way the crates' tests make an API call.
pub async fn call(
    client: &reqwest::Client,
    app: &TestApp,
    tenant: &str,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = client
        .request(method, app.url(path))
        .header("x-tenant", tenant)
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("send the request");
    let status = res.status();
    let text = res.text().await.expect("read the body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Like [`call`], asserting a 2xx answer; the body.
pub async fn ok(
    client: &reqwest::Client,
    app: &TestApp,
    tenant: &str,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let (status, body) = call(client, app, tenant, token, method.clone(), path, body).await;
    assert!(status.is_success(), "{method} {path}: {status} {body}");
    body
}
