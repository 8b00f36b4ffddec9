//! An in-memory Stripe on loopback: the Checkout Session and refund API, a hosted payment
//! page, and a webhook sender, so the whole flow is tested over real HTTP.
//!
//! | route | behaviour |
//! |---|---|
//! | `POST /v1/checkout/sessions` | bearer key checked (401, Stripe's error JSON); `mode`, `success_url`, `line_items` required (400 `invalid_request_error` with `param`); `Idempotency-Key`: the same key gets the same answer |
//! | `GET /v1/checkout/sessions/{id}` | the session, or 404 `resource_missing` |
//! | `GET /v1/checkout/sessions` | newest first; `created[gte]`, `starting_after`, `limit` (default 10); `has_more` |
//! | `POST /v1/refunds` | `payment_intent`, optional `amount` ≤ what is left (else 400, param `amount`); sends `charge.refunded` |
//! | `GET /c/pay/{id}` | a hosted page: amount, line items, a **Pay** button |
//! | `POST /c/pay/{id}` | completes the session (`complete`/`paid`, a `pi_…`), sends `checkout.session.completed`, 303 to `success_url` with `{CHECKOUT_SESSION_ID}` replaced |
//!
//! Error codes and messages beyond `parameter_missing` and `resource_missing` are the
//! stand-in's own (UNCONFIRMED against Stripe's).

mod routes;

use super::client::StripeConfig;
use super::signature::sign;
use comply360_domain::Secret;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use url::Url;

#[derive(Clone, Debug)]
pub struct StripeStandInConfig {
    pub listen: SocketAddr,
    pub secret_key: String,
    pub webhook_secret: String,
    /// Where events go; settable later with [`StripeStandInHandle::set_webhook_url`].
    pub webhook_url: Option<Url>,
}

impl Default for StripeStandInConfig {
    fn default() -> Self {
        StripeStandInConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            secret_key: "sk_test_standin_4eC39HqLyjWDarjtT1zdp7dc".to_owned(),
            webhook_secret: "whsec_test_secret".to_owned(),
            webhook_url: None,
        }
    }
}

/// An event the stand-in sent (or tried to).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentEvent {
    pub id: String,
    pub type_: String,
    /// The raw JSON body.
    pub body: String,
    /// The `Stripe-Signature` header.
    pub header: String,
    /// What the webhook endpoint answered; `None` when there was no URL or no answer.
    pub status: Option<u16>,
}

pub(crate) struct Session {
    pub(crate) json: Value,
    pub(crate) success_url: String,
    pub(crate) refunded: i64,
    pub(crate) seq: u64,
}

pub(crate) struct StandIn {
    pub(crate) config: StripeStandInConfig,
    pub(crate) base_url: Url,
    pub(crate) sessions: Mutex<Vec<Session>>,
    pub(crate) idempotent: Mutex<HashMap<(String, String), (u16, Value)>>,
    pub(crate) events: Mutex<Vec<SentEvent>>,
    pub(crate) webhook_url: Mutex<Option<Url>>,
    pub(crate) seq: Mutex<u64>,
    pub(crate) http: reqwest::Client,
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub(crate) fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

impl StandIn {
    pub(crate) fn next_seq(&self) -> u64 {
        let mut seq = lock(&self.seq);
        *seq += 1;
        *seq
    }

    /// Builds an event around `object`, signs it now and posts it to the webhook URL.
    pub(crate) async fn emit(&self, type_: &str, object: Value) -> SentEvent {
        let id = new_id("evt");
        let body = json!({
            "id": id, "object": "event", "api_version": "2025-09-30.clover",
            "created": now(), "type": type_, "livemode": false, "pending_webhooks": 1,
            "request": {"id": null, "idempotency_key": null},
            "data": {"object": object},
        })
        .to_string();
        self.send(&id, type_, body, now()).await
    }

    pub(crate) async fn send(&self, id: &str, type_: &str, body: String, t: i64) -> SentEvent {
        let header = sign(&self.config.webhook_secret, t, body.as_bytes());
        let url = lock(&self.webhook_url).clone();
        let status = match url {
            Some(url) => self.post_raw(&url, &body, &header).await,
            None => None,
        };
        let sent = SentEvent {
            id: id.to_owned(),
            type_: type_.to_owned(),
            body,
            header,
            status,
        };
        lock(&self.events).push(sent.clone());
        sent
    }

    async fn post_raw(&self, url: &Url, body: &str, header: &str) -> Option<u16> {
        self.http
            .post(url.clone())
            .header("Stripe-Signature", header)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )
            .body(body.to_owned())
            .send()
            .await
            .ok()
            .map(|r| r.status().as_u16())
    }
}

pub struct StripeStandIn;

impl StripeStandIn {
    pub async fn start(config: StripeStandInConfig) -> std::io::Result<StripeStandInHandle> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(std::io::Error::other)?;
        let listener = TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let base_url = Url::parse(&format!("http://{addr}/"))
            .map_err(|e| std::io::Error::other(format!("{addr} does not make a URL: {e}")))?;
        let state = Arc::new(StandIn {
            webhook_url: Mutex::new(config.webhook_url.clone()),
            config,
            base_url: base_url.clone(),
            sessions: Mutex::new(Vec::new()),
            idempotent: Mutex::new(HashMap::new()),
            events: Mutex::new(Vec::new()),
            seq: Mutex::new(0),
            http,
        });
        let cancel = CancellationToken::new();
        let stop = cancel.clone();
        let app = routes::router(state.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move { stop.cancelled().await })
                .await
        });
        Ok(StripeStandInHandle {
            base_url,
            state,
            cancel,
            task: Some(task),
        })
    }
}

/// A running stand-in; dropping it stops the server.
pub struct StripeStandInHandle {
    base_url: Url,
    state: Arc<StandIn>,
    cancel: CancellationToken,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl StripeStandInHandle {
    pub fn base_url(&self) -> Url {
        self.base_url.clone()
    }

    /// A client configuration with the stand-in's keys.
    pub fn stripe_config(&self) -> StripeConfig {
        StripeConfig {
            secret_key: Secret::new(self.state.config.secret_key.as_str()),
            webhook_secret: Secret::new(self.state.config.webhook_secret.as_str()),
            api_base: self.base_url(),
        }
    }

    pub fn set_webhook_url(&self, url: Option<Url>) {
        *lock(&self.state.webhook_url) = url;
    }

    /// The sessions as the API shows them, oldest first.
    pub fn sessions(&self) -> Vec<Value> {
        lock(&self.state.sessions)
            .iter()
            .map(|s| s.json.clone())
            .collect()
    }

    /// Every event sent, in order.
    pub fn events(&self) -> Vec<SentEvent> {
        lock(&self.state.events).clone()
    }

    /// Sends an event again: the same body, a fresh signature.
    pub async fn resend(&self, event_id: &str) -> Option<SentEvent> {
        self.send_event_signed_at(event_id, now()).await
    }

    /// Sends an event again signed at `t` (a replay, for the tolerance check).
    pub async fn send_event_signed_at(&self, event_id: &str, t: i64) -> Option<SentEvent> {
        let event = self.events().into_iter().find(|e| e.id == event_id)?;
        Some(
            self.state
                .send(&event.id, &event.type_, event.body, t)
                .await,
        )
    }

    /// Posts any body with any header to `url` (a forged webhook); the status answered.
    pub async fn post_raw(&self, url: &Url, body: &str, header: &str) -> Option<u16> {
        self.state.post_raw(url, body, header).await
    }

    /// Pays a session as the hosted page's Pay button does; the success URL it redirects to.
    pub async fn complete(&self, session_id: &str) -> Option<Url> {
        routes::complete(&self.state, session_id)
            .await
            .and_then(|u| Url::parse(&u).ok())
    }

    pub async fn stop(&mut self) {
        self.cancel.cancel();
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for StripeStandInHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}
