//! [`StripeClient`]: Checkout Sessions, refunds, and listing sessions for reconciliation,
//! over Stripe's REST API (form-encoded bodies, `Authorization: Bearer sk_…`).

use super::error::StripeError;
use super::types::{CheckoutSession, List, Refund};
use crate::Traced;
use comply360_domain::Secret;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;
use url::Url;

pub const API_BASE: &str = "https://api.stripe.com/";

/// One Stripe account. `Debug` shows no keys ([`Secret`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StripeConfig {
    /// `sk_live_…` / `sk_test_…` (or a restricted `rk_…`).
    pub secret_key: Secret,
    /// The endpoint's signing secret, `whsec_…`.
    pub webhook_secret: Secret,
    /// `https://api.stripe.com/`, or the stand-in's base URL.
    pub api_base: Url,
}

impl StripeConfig {
    pub fn live(secret_key: Secret, webhook_secret: Secret) -> Result<StripeConfig, StripeError> {
        Ok(StripeConfig {
            secret_key,
            webhook_secret,
            api_base: Url::parse(API_BASE).map_err(|e| StripeError::BadResponse(e.to_string()))?,
        })
    }
}

/// One line: a name, a unit price in cents, a quantity (an ad-hoc `price_data`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineItem {
    pub name: String,
    pub unit_amount_cents: i64,
    pub quantity: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckoutSessionRequest {
    /// Our reference (an invoice id), echoed in the session and its events.
    pub client_reference_id: Option<String>,
    pub customer_email: Option<String>,
    pub line_items: Vec<LineItem>,
    /// Lower-case ISO 4217, e.g. `zar`.
    pub currency: String,
    /// `{CHECKOUT_SESSION_ID}` in it is replaced by Stripe.
    pub success_url: String,
    pub cancel_url: Option<String>,
    pub metadata: BTreeMap<String, String>,
}

impl CheckoutSessionRequest {
    /// The form fields, bracket-nested as Stripe reads them.
    pub fn form(&self) -> Vec<(String, String)> {
        let mut form = vec![
            ("mode".to_owned(), "payment".to_owned()),
            ("success_url".to_owned(), self.success_url.clone()),
        ];
        if let Some(u) = &self.cancel_url {
            form.push(("cancel_url".to_owned(), u.clone()));
        }
        if let Some(r) = &self.client_reference_id {
            form.push(("client_reference_id".to_owned(), r.clone()));
        }
        if let Some(e) = &self.customer_email {
            form.push(("customer_email".to_owned(), e.clone()));
        }
        for (i, item) in self.line_items.iter().enumerate() {
            let key = |rest: &str| format!("line_items[{i}]{rest}");
            form.push((key("[price_data][currency]"), self.currency.clone()));
            form.push((key("[price_data][product_data][name]"), item.name.clone()));
            form.push((
                key("[price_data][unit_amount]"),
                item.unit_amount_cents.to_string(),
            ));
            form.push((key("[quantity]"), item.quantity.to_string()));
        }
        push_metadata(&mut form, &self.metadata);
        form
    }
}

fn push_metadata(form: &mut Vec<(String, String)>, metadata: &BTreeMap<String, String>) {
    for (k, v) in metadata {
        form.push((format!("metadata[{k}]"), v.clone()));
    }
}

/// A tenant's Stripe. Call it through [`Resilience`](crate::Resilience): [`StripeError`]
/// says which failures are retryable; pass the same idempotency key on a retry.
pub struct StripeClient {
    config: StripeConfig,
    http: reqwest::Client,
}

impl StripeClient {
    pub fn new(config: StripeConfig, http: reqwest::Client) -> StripeClient {
        StripeClient { config, http }
    }

    pub fn config(&self) -> &StripeConfig {
        &self.config
    }

    /// `POST /v1/checkout/sessions`.
    pub async fn create_checkout_session(
        &self,
        request: &CheckoutSessionRequest,
        idempotency_key: &str,
    ) -> Result<CheckoutSession, StripeError> {
        self.post("v1/checkout/sessions", &request.form(), idempotency_key)
            .await
    }

    /// `GET /v1/checkout/sessions/{id}`.
    pub async fn retrieve_checkout_session(
        &self,
        id: &str,
    ) -> Result<CheckoutSession, StripeError> {
        let path = format!(
            "v1/checkout/sessions/{}",
            percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC)
        );
        self.get(&path, &[]).await
    }

    /// `GET /v1/checkout/sessions?created[gte]=…&starting_after=…&limit=…`: one page, newest
    /// first; pass the last id as `starting_after` while `has_more`.
    pub async fn list_checkout_sessions(
        &self,
        created_gte: Option<i64>,
        starting_after: Option<&str>,
        limit: Option<u32>,
    ) -> Result<List<CheckoutSession>, StripeError> {
        let mut query = Vec::new();
        if let Some(t) = created_gte {
            query.push(("created[gte]".to_owned(), t.to_string()));
        }
        if let Some(id) = starting_after {
            query.push(("starting_after".to_owned(), id.to_owned()));
        }
        if let Some(l) = limit {
            query.push(("limit".to_owned(), l.to_string()));
        }
        self.get("v1/checkout/sessions", &query).await
    }

    /// Every session created at or after `created_gte`, following `has_more`.
    pub async fn all_checkout_sessions(
        &self,
        created_gte: Option<i64>,
    ) -> Result<Vec<CheckoutSession>, StripeError> {
        let mut all: Vec<CheckoutSession> = Vec::new();
        loop {
            let after = all.last().map(|s| s.id.clone());
            let page = self
                .list_checkout_sessions(created_gte, after.as_deref(), Some(100))
                .await?;
            let done = !page.has_more || page.data.is_empty();
            all.extend(page.data);
            if done {
                return Ok(all);
            }
        }
    }

    /// `POST /v1/refunds`: all that is left of the payment when `amount_cents` is `None`.
    pub async fn create_refund(
        &self,
        payment_intent: &str,
        amount_cents: Option<i64>,
        metadata: &BTreeMap<String, String>,
        idempotency_key: &str,
    ) -> Result<Refund, StripeError> {
        let mut form = vec![("payment_intent".to_owned(), payment_intent.to_owned())];
        if let Some(a) = amount_cents {
            form.push(("amount".to_owned(), a.to_string()));
        }
        push_metadata(&mut form, metadata);
        self.post("v1/refunds", &form, idempotency_key).await
    }

    fn url(&self, path: &str) -> Result<Url, StripeError> {
        self.config
            .api_base
            .join(path)
            .map_err(|e| StripeError::BadResponse(format!("{path}: {e}")))
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        form: &[(String, String)],
        idempotency_key: &str,
    ) -> Result<T, StripeError> {
        let url = self.url(path)?;
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let request = self
            .http
            .post(url.clone())
            .bearer_auth(self.config.secret_key.expose())
            .header("Idempotency-Key", idempotency_key)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body);
        read(request.traced().send().await, &url).await
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(String, String)],
    ) -> Result<T, StripeError> {
        let mut url = self.url(path)?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let request = self
            .http
            .get(url.clone())
            .bearer_auth(self.config.secret_key.expose());
        read(request.traced().send().await, &url).await
    }
}

/// A 2xx body as `T`; Stripe's error JSON as [`StripeError::Api`].
async fn read<T: DeserializeOwned>(
    sent: Result<reqwest::Response, reqwest::Error>,
    url: &Url,
) -> Result<T, StripeError> {
    let response = sent.map_err(|e| StripeError::from_reqwest(url.as_str(), &e))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| StripeError::from_reqwest(url.as_str(), &e))?;
    if status.is_success() {
        return serde_json::from_str(&text)
            .map_err(|e| StripeError::BadResponse(format!("{e} in {}", short(&text))));
    }
    let error = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v.get("error").cloned());
    let field = |name: &str| {
        error
            .as_ref()
            .and_then(|e| e.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    Err(StripeError::Api {
        status: status.as_u16(),
        type_: field("type").unwrap_or_else(|| "api_error".to_owned()),
        code: field("code"),
        message: field("message").unwrap_or_else(|| short(&text)),
        param: field("param"),
    })
}

fn short(text: &str) -> String {
    text.chars().take(300).collect()
}
