//! Tenant isolation of the payments tables and routes in every mode: agency A's transaction
//! sees none of B's invoices, lines, checkouts, notifications, payments, credit notes or
//! counters and cannot write rows carrying B's id; every invoice route called with A's
//! credentials and B's ids answers as if they did not exist; B's pay link does not open at A's
//! address; and a notification about B's checkout, delivered to A, marks nothing of either.

use crate::support::{Agency, Env, Issued, env};
use comply360_domain::IsolationMode;
use comply360_integrations::stripe::signature::sign;
use comply360_testkit::isolation;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use url::Url;

const TABLES: [&str; 7] = [
    "invoice_counters",
    "invoices",
    "invoice_lines",
    "payment_checkouts",
    "payment_notifications",
    "payments",
    "credit_notes",
];

/// An invoice paid through Stripe and part refunded by hand, one paid by EFT and refunded,
/// so every table has rows. The paid-online invoice and its payment.
async fn populate(env: &Env, a: &Agency) -> (Issued, Value) {
    env.stripe_to(a);
    let online = env.issued(a, "Walled").await;
    env.pay_with_stripe(a, &online.token).await;
    env.run_jobs(a).await;
    let by_hand = env.issued(a, "Garden").await;
    let payment = env
        .ok(a, &a.admin, Method::POST, &format!("/api/v1/invoices/{}/payments", by_hand.id),
            Some(json!({"method": "eft", "amount_cents": by_hand.total_cents, "reference": "FNB 42"})))
        .await;
    env.ok(
        a,
        &a.admin,
        Method::POST,
        &format!("/api/v1/invoices/{}/refunds", by_hand.id),
        Some(json!({"payment_id": payment["id"], "amount_cents": 100, "reason": "overcharged"})),
    )
    .await;
    let paid = env.invoice(a, &online.id).await;
    (online, paid["payments"][0].clone())
}

async fn suite(env: &Env, mode: IsolationMode) {
    let a = env.agency(&format!("pay-a-{mode}"), mode).await;
    let b = env.agency(&format!("pay-b-{mode}"), mode).await;
    populate(env, &a).await;
    let (theirs, their_payment) = populate(env, &b).await;

    let store = &env.db.store;
    let ta = store.tenancy().resolve(&a.slug).await.unwrap();
    let tb = store.tenancy().resolve(&b.slug).await.unwrap();
    isolation::sees_only_its_own(store, &ta, &TABLES, mode).await;
    isolation::cannot_write_for(
        store,
        &ta,
        &tb,
        &theirs.id,
        &[
            "INSERT INTO invoice_counters (tenant_id, series, last_number) VALUES ($1, 'invoice', length($2))",
            "UPDATE invoices SET tenant_id = $1 WHERE id::text <> $2",
            "UPDATE invoice_lines SET tenant_id = $1 WHERE invoice_id::text <> $2",
            "UPDATE payment_checkouts SET tenant_id = $1 WHERE invoice_id::text <> $2",
            "UPDATE payment_notifications SET tenant_id = $1 WHERE id::text <> $2",
            "UPDATE payments SET tenant_id = $1 WHERE invoice_id::text <> $2",
            "UPDATE credit_notes SET tenant_id = $1 WHERE invoice_id::text <> $2",
        ],
        mode,
    )
    .await;

    // Every invoice route, with A's administrator and B's ids: not found.
    let id = &theirs.id;
    for (method, path, body) in [
        (Method::GET, format!("/api/v1/invoices/{id}"), None),
        (Method::DELETE, format!("/api/v1/invoices/{id}"), None),
        (Method::POST, format!("/api/v1/invoices/{id}/issue"), None),
        (
            Method::POST,
            format!("/api/v1/invoices/{id}/pay-link"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/invoices/{id}/void"),
            Some(json!({"reason": "x"})),
        ),
        (
            Method::POST,
            format!("/api/v1/invoices/{id}/payments"),
            Some(json!({"method": "cash", "amount_cents": 1, "reference": "x"})),
        ),
        (
            Method::POST,
            format!("/api/v1/invoices/{id}/refunds"),
            Some(json!({"payment_id": their_payment["id"], "reason": "x"})),
        ),
    ] {
        let (status, problem) = env.call(&a, &a.admin, method.clone(), &path, body).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{mode}: {method} {path}: {problem}"
        );
        assert_eq!(
            problem["code"], "invoice_not_found",
            "{mode}: {method} {path}"
        );
    }
    let mine = env
        .ok(
            &a,
            &a.admin,
            Method::GET,
            "/api/v1/invoices?limit=200",
            None,
        )
        .await;
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["id"] != theirs.id.as_str()),
        "{mode}: A's list holds none of B's invoices"
    );
    // B's pay link at A's address opens nothing.
    let res = env
        .http
        .get(
            env.pa
                .app
                .url(&format!("/api/v1/pay/{}/{}", a.slug, theirs.token)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "{mode}");

    // A Stripe event about B's checkout, signed with the (shared test) secret and delivered
    // to A's endpoint: stored at A, refused when applied; neither invoice changes.
    let before_b = env.invoice(&b, &theirs.id).await;
    let again = env.issued(&b, "Second").await;
    let session = env.stripe_session(&b, &again.token).await;
    env.pa.stripe.set_webhook_url(None);
    env.pa.stripe.complete(&session).await.unwrap();
    let event = env
        .pa
        .stripe
        .events()
        .into_iter()
        .rfind(|e| e.type_ == "checkout.session.completed")
        .unwrap();
    let secret = env.pa.stripe.stripe_config().webhook_secret;
    let header = sign(
        secret.expose(),
        chrono::Utc::now().timestamp(),
        event.body.as_bytes(),
    );
    let to_a = Url::parse(
        &env.pa
            .app
            .url(&format!("/api/v1/webhooks/stripe/{}", a.slug)),
    )
    .unwrap();
    assert_eq!(
        env.pa.stripe.post_raw(&to_a, &event.body, &header).await,
        Some(200)
    );
    let payments_a = env.count(&a, "payments", "true").await;
    env.run_jobs(&a).await;
    assert_eq!(
        env.count(&a, "payments", "true").await,
        payments_a,
        "{mode}"
    );
    assert_eq!(
        env.count(
            &a,
            "payment_notifications",
            "state = 'refused' AND outcome LIKE '%not a Stripe checkout of this agency%'"
        )
        .await,
        1,
        "{mode}"
    );
    assert_eq!(
        env.invoice(&b, &again.id).await["status"],
        "issued",
        "{mode}"
    );
    assert_eq!(
        env.invoice(&b, &theirs.id).await["paid_cents"],
        before_b["paid_cents"]
    );
}

#[tokio::test]
async fn payments_stay_within_their_agency_in_every_mode() {
    let env = env().await;
    for mode in [
        IsolationMode::Pooled,
        IsolationMode::Schema,
        IsolationMode::Database,
    ] {
        suite(&env, mode).await;
    }
}
