//! An in-memory PayFast on loopback, so checkout, ITN, validation, refunds and
//! reconciliation are tested over real HTTP without PayFast's sandbox.
//!
//! | route | behaviour |
//! |---|---|
//! | `POST /eng/process` | the browser's form post: the merchant must be configured with that key, the checkout signature must match its passphrase (required when it has one); else 400 with a page naming the problem. Answers a payment page "Pay R 1 234.00 to <merchant>" with a **Pay** button and a Cancel link |
//! | `POST /eng/process/pay/{token}` | pays: assigns a `pf_payment_id`, posts the signed ITN to `notify_url` from 127.0.0.1 (retried while the answer is not 200, up to [`PayFastStandInConfig::itn_attempts`]), then 302 to `return_url`. The ITN is sent before the redirect, so a test that paid has its ITN |
//! | `POST /eng/query/validate` | `VALID` when the posted fields (up to `signature`) are those of an ITN the stand-in sent, else `INVALID` |
//! | `POST /refunds/{pf_payment_id}` | JSON `{amount, reason, notify_buyer}`, API signature and `merchant-id` checked (401); an amount above what is left to refund → 400 |
//! | `GET /transactions/history?from&to` | CSV of the merchant's payments on those dates |
//!
//! The fee is 2.3 % of the gross (as in FACTS' ITN vector); the PayFast answers' wording is
//! the stand-in's own (UNCONFIRMED against PayFast's).

mod api;
mod page;

pub(crate) use page::escape;

use super::amount::{format_cents, parse_cents};
use super::checkout::CheckoutForm;
use super::config::PayFastConfig;
use super::error::PayFastError;
use super::signature::{checkout_signature, itn_signature, signatures_equal};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use comply360_domain::Secret;
use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use url::Url;

/// A merchant account the stand-in knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StandInMerchant {
    pub merchant_id: String,
    pub merchant_key: String,
    pub passphrase: Option<String>,
    /// Shown on the payment page.
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct PayFastStandInConfig {
    pub listen: SocketAddr,
    pub merchants: Vec<StandInMerchant>,
    /// ITN posts per payment while the notify URL does not answer 200.
    pub itn_attempts: usize,
    pub itn_retry_delay: Duration,
}

impl Default for PayFastStandInConfig {
    /// FACTS' sandbox merchant with the own vector's passphrase; 3 quick ITN attempts.
    fn default() -> Self {
        PayFastStandInConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            merchants: vec![StandInMerchant {
                merchant_id: "10000100".to_owned(),
                merchant_key: "46f0cd694581a".to_owned(),
                passphrase: Some("jt7NOE43FZPn".to_owned()),
                name: "Comply360 Test Agency".to_owned(),
            }],
            itn_attempts: 3,
            itn_retry_delay: Duration::from_millis(10),
        }
    }
}

/// A payment made on the stand-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StandInPayment {
    pub pf_payment_id: String,
    pub m_payment_id: String,
    pub merchant_id: String,
    pub amount_cents: i64,
    /// Negative.
    pub fee_cents: i64,
    pub refunded_cents: i64,
    pub item_name: String,
    pub name_first: String,
    pub name_last: String,
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    pub notify_url: Option<Url>,
    /// The ITN's fields, `signature` last.
    pub itn: Vec<(String, String)>,
}

/// One ITN post.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItnDelivery {
    pub url: Url,
    /// The form-encoded body as sent.
    pub body: String,
    /// What the notify endpoint answered; `None` when it did not answer.
    pub status: Option<u16>,
}

/// What [`PayFastStandInHandle::pay`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaidResult {
    pub pf_payment_id: String,
    /// The 302's `Location` (the checkout's `return_url`), if it had one.
    pub return_url: Option<Url>,
}

struct Pending {
    merchant_id: String,
    fields: Vec<(String, String)>,
}

struct StandIn {
    config: PayFastStandInConfig,
    pending: Mutex<HashMap<String, Pending>>,
    payments: Mutex<Vec<StandInPayment>>,
    /// The ITNs sent (signature excluded), for validate.
    sent: Mutex<Vec<Vec<(String, String)>>>,
    deliveries: Mutex<Vec<ItnDelivery>>,
    next_id: AtomicU64,
    calls: Mutex<BTreeMap<String, usize>>,
    failures: Mutex<usize>,
    http: reqwest::Client,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl StandIn {
    fn merchant(&self, merchant_id: &str) -> Option<&StandInMerchant> {
        self.config
            .merchants
            .iter()
            .find(|m| m.merchant_id == merchant_id)
    }

    fn count(&self, route: &str) {
        *lock(&self.calls).entry(route.to_owned()).or_default() += 1;
    }

    /// Posts an ITN, retrying while the answer is not 200; the last status.
    async fn deliver(&self, url: &Url, pairs: &[(String, String)], attempts: usize) -> Option<u16> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let mut last = None;
        for attempt in 0..attempts.max(1) {
            if attempt > 0 {
                tokio::time::sleep(self.config.itn_retry_delay).await;
            }
            let status = self
                .http
                .post(url.clone())
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body.clone())
                .send()
                .await
                .ok()
                .map(|r| r.status().as_u16());
            lock(&self.deliveries).push(ItnDelivery {
                url: url.clone(),
                body: body.clone(),
                status,
            });
            last = status;
            if status == Some(200) {
                break;
            }
        }
        last
    }
}

pub struct PayFastStandIn;

impl PayFastStandIn {
    /// Serves on `config.listen` until the handle is stopped or dropped.
    pub async fn start(config: PayFastStandInConfig) -> std::io::Result<PayFastStandInHandle> {
        let http = reqwest::Client::builder()
            .local_address(IpAddr::V4(Ipv4Addr::LOCALHOST))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(std::io::Error::other)?;
        let listener = TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let base_url = Url::parse(&format!("http://{addr}/"))
            .map_err(|e| std::io::Error::other(format!("{addr} does not make a URL: {e}")))?;
        let state = Arc::new(StandIn {
            config,
            pending: Mutex::new(HashMap::new()),
            payments: Mutex::new(Vec::new()),
            sent: Mutex::new(Vec::new()),
            deliveries: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(1_089_250),
            calls: Mutex::new(BTreeMap::new()),
            failures: Mutex::new(0),
            http,
        });
        let cancel = CancellationToken::new();
        let stop = cancel.clone();
        let app = router(state.clone());
        let task = tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await
        });
        Ok(PayFastStandInHandle {
            base_url,
            state,
            cancel,
            task: Some(task),
        })
    }
}

fn router(state: Arc<StandIn>) -> Router {
    Router::new()
        .route("/eng/process", post(process))
        .route("/eng/process/pay/{token}", post(pay))
        .route("/eng/query/validate", post(validate))
        .route("/refunds/{pf_payment_id}", post(api::refund))
        .route("/transactions/history", get(api::history))
        .layer(middleware::from_fn_with_state(state.clone(), inject))
        .with_state(state)
}

/// Answers 503 instead of validate and the API while injected failures are left (the
/// browser pages are not affected).
async fn inject(State(sim): State<Arc<StandIn>>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !path.starts_with("/eng/process") {
        let mut failures = lock(&sim.failures);
        if *failures > 0 {
            *failures -= 1;
            return (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable").into_response();
        }
    }
    next.run(request).await
}

fn refuse(problem: &str) -> Response {
    (StatusCode::BAD_REQUEST, Html(page::error_page(problem))).into_response()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.trim())
}

async fn process(State(sim): State<Arc<StandIn>>, body: Bytes) -> Response {
    sim.count("process");
    let fields = super::itn::parse_form(&body);
    let merchant_id = field(&fields, "merchant_id");
    let Some(merchant) = sim.merchant(merchant_id) else {
        return refuse(&format!("The merchant {merchant_id:?} is not known."));
    };
    if field(&fields, "merchant_key") != merchant.merchant_key {
        return refuse("The merchant key does not match the merchant id.");
    }
    let given = field(&fields, "signature");
    let expected = match checkout_signature(&fields, merchant.passphrase.as_deref()) {
        Ok(s) => s,
        Err(e) => return refuse(&format!("The form cannot be read: {e}.")),
    };
    if given.is_empty() && merchant.passphrase.is_some() {
        return refuse("The signature is missing; this merchant has a passphrase.");
    }
    if !given.is_empty() && !signatures_equal(given, &expected) {
        return refuse("Generated signature does not match submitted signature.");
    }
    let amount = match parse_cents("amount", field(&fields, "amount")) {
        Ok(a) if a > 0 => a,
        _ => return refuse("The amount is missing or not an amount."),
    };
    let item_name = field(&fields, "item_name");
    if item_name.is_empty() {
        return refuse("The item name is missing.");
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    let cancel_url = Some(field(&fields, "cancel_url")).filter(|u| !u.is_empty());
    let html = page::payment_page(
        &merchant.name,
        amount,
        item_name,
        &format!("/eng/process/pay/{token}"),
        cancel_url,
    );
    lock(&sim.pending).insert(
        token,
        Pending {
            merchant_id: merchant.merchant_id.clone(),
            fields,
        },
    );
    Html(html).into_response()
}

/// The ITN's field order (FACTS' ITN vector, then the rest as PayFast lists them).
const ITN_ORDER: [&str; 21] = [
    "m_payment_id",
    "pf_payment_id",
    "payment_status",
    "item_name",
    "item_description",
    "amount_gross",
    "amount_fee",
    "amount_net",
    "custom_str1",
    "custom_str2",
    "custom_str3",
    "custom_str4",
    "custom_str5",
    "custom_int1",
    "custom_int2",
    "custom_int3",
    "custom_int4",
    "custom_int5",
    "name_first",
    "name_last",
    "email_address",
];

async fn pay(State(sim): State<Arc<StandIn>>, Path(token): Path<String>) -> Response {
    sim.count("pay");
    let Some(pending) = lock(&sim.pending).remove(&token) else {
        return (
            StatusCode::NOT_FOUND,
            Html(page::error_page(
                "This payment is not pending (paid or unknown).",
            )),
        )
            .into_response();
    };
    let Some(merchant) = sim.merchant(&pending.merchant_id).cloned() else {
        return refuse("The merchant is no longer known.");
    };
    let fields = &pending.fields;
    let amount_cents = parse_cents("amount", field(fields, "amount")).unwrap_or(0);
    let fee_cents = -((amount_cents * 23 + 500) / 1000);
    let pf_payment_id = sim.next_id.fetch_add(1, Ordering::Relaxed).to_string();
    let mut itn: Vec<(String, String)> = ITN_ORDER
        .iter()
        .map(|name| {
            let value = match *name {
                "pf_payment_id" => pf_payment_id.clone(),
                "payment_status" => "COMPLETE".to_owned(),
                "amount_gross" => format_cents(amount_cents),
                "amount_fee" => format_cents(fee_cents),
                "amount_net" => format_cents(amount_cents + fee_cents),
                other => field(fields, other).to_owned(),
            };
            ((*name).to_owned(), value)
        })
        .collect();
    itn.push(("merchant_id".to_owned(), merchant.merchant_id.clone()));
    let signature = itn_signature(&itn, merchant.passphrase.as_deref());
    lock(&sim.sent).push(itn.clone());
    itn.push(("signature".to_owned(), signature));
    let notify_url = Url::parse(field(fields, "notify_url")).ok();
    lock(&sim.payments).push(StandInPayment {
        pf_payment_id,
        m_payment_id: field(fields, "m_payment_id").to_owned(),
        merchant_id: merchant.merchant_id.clone(),
        amount_cents,
        fee_cents,
        refunded_cents: 0,
        item_name: field(fields, "item_name").to_owned(),
        name_first: field(fields, "name_first").to_owned(),
        name_last: field(fields, "name_last").to_owned(),
        date: chrono::Utc::now().format("%Y-%m-%d").to_string(),
        notify_url: notify_url.clone(),
        itn: itn.clone(),
    });
    if let Some(url) = &notify_url {
        sim.deliver(url, &itn, sim.config.itn_attempts).await;
    }
    match Url::parse(field(fields, "return_url")) {
        Ok(url) => Redirect::to(url.as_str()).into_response(),
        Err(_) => Html(page::error_page(
            "Paid. There is no return URL to go back to.",
        ))
        .into_response(),
    }
}

async fn validate(State(sim): State<Arc<StandIn>>, body: Bytes) -> &'static str {
    sim.count("validate");
    let posted: Vec<(String, String)> = super::itn::parse_form(&body)
        .into_iter()
        .take_while(|(k, _)| k != "signature")
        .collect();
    if lock(&sim.sent).contains(&posted) {
        "VALID"
    } else {
        "INVALID"
    }
}

/// A running stand-in; dropping it stops the server.
pub struct PayFastStandInHandle {
    base_url: Url,
    state: Arc<StandIn>,
    cancel: CancellationToken,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl PayFastStandInHandle {
    /// For [`PayFastConfig::custom`].
    pub fn base_url(&self) -> Url {
        self.base_url.clone()
    }

    /// Where checkout forms post.
    pub fn process_url(&self) -> Url {
        self.base_url
            .join("eng/process")
            .unwrap_or_else(|_| self.base_url.clone())
    }

    /// A client configuration for a configured merchant (the first when `None`).
    pub fn payfast_config(&self, merchant_id: Option<&str>) -> Option<PayFastConfig> {
        let merchants = &self.state.config.merchants;
        let merchant = match merchant_id {
            Some(id) => merchants.iter().find(|m| m.merchant_id == id),
            None => merchants.first(),
        }?;
        PayFastConfig::custom(
            self.base_url(),
            &merchant.merchant_id,
            &merchant.merchant_key,
            merchant.passphrase.as_deref().map(Secret::new),
        )
        .ok()
    }

    /// What was paid, in order.
    pub fn payments(&self) -> Vec<StandInPayment> {
        lock(&self.state.payments).clone()
    }

    /// Every ITN post, in order (retries included).
    pub fn itn_deliveries(&self) -> Vec<ItnDelivery> {
        lock(&self.state.deliveries).clone()
    }

    /// Requests that reached a route: `process`, `pay`, `validate`, `refund`, `history`.
    pub fn calls(&self, route: &str) -> usize {
        lock(&self.state.calls).get(route).copied().unwrap_or(0)
    }

    /// The next `count` validate or API requests answer 503.
    pub fn fail_next(&self, count: usize) {
        *lock(&self.state.failures) = count;
    }

    /// Posts a payment's ITN again (one attempt), as PayFast's retries do; the status
    /// answered, `None` for an unknown payment or no answer.
    pub async fn resend_itn(&self, pf_payment_id: &str) -> Option<u16> {
        let payment = self
            .payments()
            .into_iter()
            .find(|p| p.pf_payment_id == pf_payment_id)?;
        let url = payment.notify_url?;
        self.state.deliver(&url, &payment.itn, 1).await
    }

    /// Posts any pairs (a forged ITN, say) to `notify_url` from 127.0.0.1, once; not
    /// remembered as sent, so validate answers `INVALID` for them.
    pub async fn post_itn(&self, notify_url: &Url, pairs: &[(String, String)]) -> Option<u16> {
        self.state.deliver(notify_url, pairs, 1).await
    }

    /// `pairs` with the `signature` a merchant's passphrase gives them (as a forger who knows
    /// the passphrase would sign them).
    pub fn signed_itn_for(
        &self,
        merchant_id: &str,
        pairs: &[(String, String)],
    ) -> Vec<(String, String)> {
        let passphrase = self
            .state
            .merchant(merchant_id)
            .and_then(|m| m.passphrase.clone());
        let mut signed: Vec<(String, String)> = pairs
            .iter()
            .filter(|(k, _)| k != "signature")
            .cloned()
            .collect();
        let signature = itn_signature(&signed, passphrase.as_deref());
        signed.push(("signature".to_owned(), signature));
        signed
    }

    /// Pays as a browser would: posts the form to its action, then the page's Pay button;
    /// redirects are not followed. The ITN has been delivered when this returns.
    pub async fn pay(&self, form: &CheckoutForm) -> Result<PaidResult, PayFastError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| PayFastError::from_reqwest(form.action.as_str(), &e))?;
        let page = http
            .post(form.action.clone())
            .form(&form.fields)
            .send()
            .await
            .map_err(|e| PayFastError::from_reqwest(form.action.as_str(), &e))?;
        let status = page.status().as_u16();
        let html = page
            .text()
            .await
            .map_err(|e| PayFastError::from_reqwest(form.action.as_str(), &e))?;
        if status != 200 {
            return Err(PayFastError::HttpStatus { status, body: html });
        }
        let action = html
            .split("action=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .ok_or_else(|| PayFastError::BadResponse("the payment page has no form".to_owned()))?;
        let pay_url = form
            .action
            .join(action)
            .map_err(|e| PayFastError::BadResponse(e.to_string()))?;
        let before = lock(&self.state.payments).len();
        let paid = http
            .post(pay_url.clone())
            .send()
            .await
            .map_err(|e| PayFastError::from_reqwest(pay_url.as_str(), &e))?;
        let status = paid.status().as_u16();
        if !(200..400).contains(&status) {
            return Err(PayFastError::HttpStatus {
                status,
                body: paid.text().await.unwrap_or_default(),
            });
        }
        let return_url = paid
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| Url::parse(v).ok());
        let pf_payment_id = lock(&self.state.payments)
            .get(before)
            .map(|p| p.pf_payment_id.clone())
            .ok_or_else(|| PayFastError::BadResponse("no payment was recorded".to_owned()))?;
        Ok(PaidResult {
            pf_payment_id,
            return_url,
        })
    }

    /// Stops serving (connections are refused).
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

impl Drop for PayFastStandInHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}
