//! HTTP stand-ins for SendGrid and Twilio: tiny axum servers on 127.0.0.1:0 that record
//! each request and answer with the status the test sets.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct Captured {
    /// The `{sid}` of a Twilio path, empty for SendGrid.
    pub account: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: String,
}

#[derive(Clone)]
pub struct StandIn {
    pub addr: SocketAddr,
    status: Arc<AtomicU16>,
    requests: Arc<Mutex<Vec<Captured>>>,
}

impl StandIn {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn answer_with(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    pub fn requests(&self) -> Vec<Captured> {
        self.requests.lock().unwrap().clone()
    }
}

fn capture(state: &StandIn, account: String, headers: &HeaderMap, body: Bytes) -> (u16, usize) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let mut requests = state.requests.lock().unwrap();
    requests.push(Captured {
        account,
        authorization: header("authorization"),
        content_type: header("content-type"),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    (state.status.load(Ordering::SeqCst), requests.len())
}

async fn sendgrid(State(state): State<StandIn>, headers: HeaderMap, body: Bytes) -> Response {
    let (status, n) = capture(&state, String::new(), &headers, body);
    let status = StatusCode::from_u16(status).unwrap();
    if status.is_success() {
        (status, [("x-message-id", format!("sg-{n}"))]).into_response()
    } else {
        let error = r#"{"errors":[{"message":"stand-in refused","field":null}]}"#;
        (status, error).into_response()
    }
}

async fn twilio(
    State(state): State<StandIn>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (status, n) = capture(&state, sid, &headers, body);
    let status = StatusCode::from_u16(status).unwrap();
    if status.is_success() {
        let body = format!(r#"{{"sid":"SM{n:032}","status":"queued"}}"#);
        (status, [("content-type", "application/json")], body).into_response()
    } else {
        (status, r#"{"code":21211,"message":"stand-in refused"}"#).into_response()
    }
}

async fn spawn(app: impl FnOnce(StandIn) -> Router, status: u16) -> StandIn {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let state = StandIn {
        addr: listener.local_addr().unwrap(),
        status: Arc::new(AtomicU16::new(status)),
        requests: Arc::default(),
    };
    let router = app(state.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    state
}

pub async fn sendgrid_standin() -> StandIn {
    spawn(
        |s| {
            Router::new()
                .route("/v3/mail/send", post(sendgrid))
                .with_state(s)
        },
        202,
    )
    .await
}

pub async fn twilio_standin() -> StandIn {
    spawn(
        |s| {
            Router::new()
                .route("/2010-04-01/Accounts/{sid}/Messages.json", post(twilio))
                .with_state(s)
        },
        201,
    )
    .await
}
