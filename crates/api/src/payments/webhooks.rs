//! The providers' notifications: `POST /api/v1/webhooks/stripe/{agency}` and
//! `POST /api/v1/webhooks/payfast/{agency}`. Public (the provider has no account of ours); the
//! agency's secret is the credential. A notification whose signature (and, for PayFast,
//! source) holds is stored and acknowledged with 200 at once, a repeat too (so the provider
//! stops resending); the `payments.notification` job applies it. A refused one gets 400 (or
//! 403, an unlisted source, 404 an unknown agency or one without the provider) and nothing is
//! stored; the reason goes to the log.

use super::service;
use crate::gateway::client::Client;
use crate::problem::Problem;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use comply360_payments::Refusal;
use comply360_payments::notifications::inbox::Delivery;
use comply360_store::Tenant;
use serde::Serialize;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

/// What the provider is told.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Received {
    pub received: bool,
    /// True when this delivery was seen before (nothing more is done).
    pub duplicate: bool,
}

async fn agency(state: &AppState, slug: &str) -> Result<Arc<Tenant>, Problem> {
    state.store.tenancy().resolve(slug).await.map_err(|_| {
        Problem::new(
            StatusCode::NOT_FOUND,
            "tenant_not_found",
            "no agency has this address",
        )
    })
}

fn refused(provider: &str, slug: &str, e: Refusal) -> Problem {
    tracing::warn!(provider, agency = slug, reason = %e, "payment notification refused");
    match e {
        Refusal::NotConnected(provider) => Problem::new(
            StatusCode::NOT_FOUND,
            "provider_not_connected",
            format!("the agency has no {provider} account connected"),
        ),
        Refusal::UnknownSource(_) => Problem::new(
            StatusCode::FORBIDDEN,
            "unknown_source",
            "notifications are accepted from the provider's own hosts only",
        ),
        Refusal::BadSignature(_) => Problem::new(
            StatusCode::BAD_REQUEST,
            "signature_invalid",
            "the notification's signature does not verify",
        ),
        Refusal::Malformed(m) => Problem::new(StatusCode::BAD_REQUEST, "malformed", m),
        Refusal::Practice(p) => Problem::from(p),
    }
}

fn answer(d: Delivery) -> Json<Received> {
    Json(Received {
        received: true,
        duplicate: matches!(d, Delivery::Repeat(_)),
    })
}

pub async fn stripe(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Received>, Problem> {
    let payments = service(&state)?;
    let tenant = agency(&state, &slug).await?;
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    let now = chrono::Utc::now().timestamp();
    payments
        .receive_stripe(
            state.store.tenancy(),
            &tenant,
            &state.outbox,
            &body,
            signature,
            now,
        )
        .await
        .map(answer)
        .map_err(|e| refused("stripe", &slug, e))
}

pub async fn payfast(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Client(client): Client,
    body: Bytes,
) -> Result<Json<Received>, Problem> {
    let payments = service(&state)?;
    let tenant = agency(&state, &slug).await?;
    let peer = client.ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    payments
        .receive_payfast(state.store.tenancy(), &tenant, &state.outbox, &body, peer)
        .await
        .map(answer)
        .map_err(|e| refused("payfast", &slug, e))
}

pub(crate) fn routes(routes: crate::routes::Routes) -> crate::routes::Routes {
    use crate::routes::Access::Public;
    use crate::routes::Op;
    use axum::http::Method;
    let refusals = [
        (400, "signature_invalid"),
        (400, "malformed"),
        (404, "tenant_not_found"),
        (404, "provider_not_connected"),
    ];
    routes
        .route(
            Method::POST,
            "/api/v1/webhooks/stripe/{agency}",
            Public,
            Op::new("Stripe's webhook for the agency: verified on the raw body (Stripe-Signature, every v1, 300 s tolerance), stored once by event id, applied by a job")
                .body_as("application/json", r#"{"id":"evt_1","object":"event","type":"checkout.session.completed","data":{"object":{}}}"#)
                .header("Stripe-Signature", "t=<unix time>,v1=<hex HMAC-SHA256 of \"t.body\" under the endpoint's secret>")
                .ok::<Received>()
                .problems(&refusals),
            stripe,
        )
        .route(
            Method::POST,
            "/api/v1/webhooks/payfast/{agency}",
            Public,
            Op::new("PayFast's ITN for the agency: from PayFast's hosts, signed over the fields as received, stored once by pf_payment_id; amount, merchant and PayFast's confirmation are checked when applied")
                .body_as("application/x-www-form-urlencoded", "m_payment_id=0193a3c2-6b7e-7c4e-9a51-3f1d2e4b5a60&pf_payment_id=1089250&payment_status=COMPLETE&amount_gross=100.00&merchant_id=10000100&signature=2fb4c3e940ef600d5210401e853fcc7c")
                .ok::<Received>()
                .problems(&[refusals[0], refusals[1], refusals[2], refusals[3], (403, "unknown_source")]),
            payfast,
        )
}
