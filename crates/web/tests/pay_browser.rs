//! The client's pay page in a real browser at a phone's width: the link opens what is due;
//! paying through the Stripe stand-in's page comes back to "confirming", and once the jobs
//! have applied the webhook, to "Payment received" with the receipt (and its PDF); the same
//! through PayFast's hand-off page and the PayFast stand-in. A cancelled payment and an
//! unknown link each say so. axe-core clean and screenshots at 375 and 1280 px.

use comply360_domain::IsolationMode;
use comply360_testkit::browser::{browser_sized, chromedriver, click, judge_widths, wait_for_text};
use comply360_testkit::payments::{PaymentsApp, payments_app};
use comply360_testkit::{TestDb, http};
use reqwest::Method;
use serde_json::{Value, json};

/// An agency that takes payments: both providers connected, a VAT vendor's billing details,
/// prices; with an administrator and an agent.
pub struct Agency {
    pub slug: String,
    pub admin: String,
    pub agent: String,
}

pub async fn agency(pa: &PaymentsApp, db: &TestDb, slug: &str) -> Agency {
    db.tenant(slug, IsolationMode::Pooled).await;
    let app = &pa.app;
    let boss = format!("lerato@{slug}.example");
    app.create_user(slug, &boss, "tenant_admin").await;
    let agent = format!("thandi@{slug}.example");
    app.create_user(slug, &agent, "agent").await;
    let a = Agency {
        slug: slug.to_owned(),
        admin: app.login(slug, &boss).await,
        agent: app.login(slug, &agent).await,
    };
    let payfast = pa.payfast.payfast_config(None).unwrap();
    ok(
        pa,
        &a,
        &a.admin,
        Method::PUT,
        "/api/v1/payment-providers/payfast",
        Some(json!({
        "merchant_id": payfast.merchant_id, "merchant_key": payfast.merchant_key,
        "passphrase": payfast.passphrase.as_ref().unwrap().expose(), "sandbox": true})),
    )
    .await;
    let stripe = pa.stripe.stripe_config();
    ok(pa, &a, &a.admin, Method::PUT, "/api/v1/payment-providers/stripe", Some(json!({
        "secret_key": stripe.secret_key.expose(), "webhook_secret": stripe.webhook_secret.expose()}))).await;
    ok(pa, &a, &a.admin, Method::PUT, "/api/v1/billing-settings", Some(json!({
        "legal_name": "Karoo Corporate Services (Pty) Ltd", "vat_vendor": true,
        "vat_number": "4123456789", "terms_days": 7, "bank_details": "FNB 62000000000, branch 250655",
        "email": "accounts@karoo.example"}))).await;
    ok(
        pa,
        &a,
        &a.admin,
        Method::POST,
        "/api/v1/prices",
        Some(json!({"kind": "za_private_company", "amount_cents": 150_000})),
    )
    .await;
    a
}

pub async fn ok(
    pa: &PaymentsApp,
    a: &Agency,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    http::ok(
        &reqwest::Client::new(),
        &pa.app,
        &a.slug,
        token,
        method,
        path,
        body,
    )
    .await
}

/// A client's incorporation, not yet invoiced; its id.
pub async fn registration(pa: &PaymentsApp, a: &Agency, surname: &str) -> String {
    let c = ok(
        pa,
        a,
        &a.agent,
        Method::POST,
        "/api/v1/clients",
        Some(json!({
        "kind": "person", "first_names": "Naledi", "surname": surname,
        "email": format!("naledi.{}@example.co.za", surname.to_lowercase())})),
    )
    .await;
    let r = ok(
        pa,
        a,
        &a.agent,
        Method::POST,
        "/api/v1/registrations",
        Some(json!({"client_id": c["id"], "kind": "za_private_company"})),
    )
    .await;
    r["id"].as_str().unwrap().to_owned()
}

/// A registration's invoice issued; its pay link.
async fn issued(pa: &PaymentsApp, a: &Agency, surname: &str) -> String {
    let registration = registration(pa, a, surname).await;
    let draft = ok(
        pa,
        a,
        &a.agent,
        Method::POST,
        "/api/v1/invoices",
        Some(json!({"registration_id": registration})),
    )
    .await;
    let id = draft["id"].as_str().unwrap();
    let issued = ok(
        pa,
        a,
        &a.agent,
        Method::POST,
        &format!("/api/v1/invoices/{id}/issue"),
        None,
    )
    .await;
    issued["pay_url"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_pays_by_card_and_by_payfast_from_a_phone() {
    let Some((_driver, driver_port)) = chromedriver().await else {
        return;
    };
    let db = TestDb::new().await;
    let pa = payments_app(db.store.clone()).await;
    let a = agency(&pa, &db, "karoo").await;
    pa.stripe.set_webhook_url(Some(
        url::Url::parse(&pa.app.url("/api/v1/webhooks/stripe/karoo")).unwrap(),
    ));
    let link = issued(&pa, &a, "Dlamini").await;

    let profile = tempfile::tempdir().unwrap();
    let b = browser_sized(driver_port, profile.path(), 375, 900).await;
    b.goto(&link).await.unwrap();
    let text = wait_for_text(&b, "Amount due").await;
    assert!(
        text.contains("Karoo Corporate Services (Pty) Ltd"),
        "{text}"
    );
    assert!(text.contains("Pay invoice INV-000001"), "{text}");
    assert!(
        text.contains("Pay by card (Stripe)") && text.contains("Pay with PayFast"),
        "{text}"
    );
    assert!(
        text.contains("What it is for") && text.contains("Due by"),
        "{text}"
    );
    judge_widths(&b, "pay-page").await;

    // Stripe: its page, Pay, back to us while the webhook waits for the jobs.
    click(
        &b,
        "//main//button[normalize-space()='Pay by card (Stripe)']",
    )
    .await;
    wait_for_text(&b, "Card number").await;
    click(&b, "//button[normalize-space()='Pay']").await;
    let text = wait_for_text(&b, "We are confirming your payment with the provider").await;
    assert!(text.contains("Check again now"), "{text}");
    judge_widths(&b, "pay-confirming").await;
    pa.app.run_jobs("karoo").await;
    click(&b, "//a[normalize-space()='Check again now']").await;
    let text = wait_for_text(&b, "Payment received — thank you").await;
    assert!(
        text.contains("Receipt") && text.contains("Card (Stripe)"),
        "{text}"
    );
    assert!(text.contains("Download the receipt (PDF)"), "{text}");
    judge_widths(&b, "pay-receipt").await;
    let res = reqwest::get(format!("{link}/receipt.pdf")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.bytes().await.unwrap().starts_with(b"%PDF"));
    let res = reqwest::get(format!("{link}/invoice.pdf")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap().starts_with(b"%PDF"));

    // PayFast, for another invoice: the hand-off page, PayFast's page, Pay, back.
    let link = issued(&pa, &a, "Mokoena").await;
    b.goto(&link).await.unwrap();
    wait_for_text(&b, "Amount due").await;
    click(&b, "//main//button[normalize-space()='Pay with PayFast']").await;
    let text = wait_for_text(&b, "Continue to PayFast").await;
    assert!(text.contains("instant EFT"), "{text}");
    judge_widths(&b, "pay-payfast-handoff").await;
    click(
        &b,
        "//main//button[normalize-space()='Continue to PayFast']",
    )
    .await;
    wait_for_text(&b, "Card (the stand-in accepts any)").await;
    click(&b, "//button[normalize-space()='Pay']").await;
    wait_for_text(&b, "We are confirming your payment").await;
    pa.app.run_jobs("karoo").await;
    b.goto(&format!("{link}?returned=1")).await.unwrap();
    let text = wait_for_text(&b, "Payment received — thank you").await;
    assert!(text.contains("PayFast"), "{text}");

    // Cancelled at the provider: nothing charged, pay again.
    let link = issued(&pa, &a, "Khumalo").await;
    b.goto(&format!("{link}?cancelled=1")).await.unwrap();
    let text = wait_for_text(&b, "Payment cancelled").await;
    assert!(
        text.contains("Nothing was charged") && text.contains("Pay by card (Stripe)"),
        "{text}"
    );
    judge_widths(&b, "pay-cancelled").await;

    // A link that is not (or no longer) one: 404, and what to do.
    let gone = link.replace("/pay/karoo/", "/pay/karoo/x");
    let res = reqwest::get(&gone).await.unwrap();
    assert_eq!(res.status(), 404);
    b.goto(&gone).await.unwrap();
    let text = wait_for_text(&b, "This payment link does not work").await;
    assert!(
        text.contains("Ask the agency that sent it for a new payment link"),
        "{text}"
    );
    judge_widths(&b, "pay-invalid-link").await;
    b.close().await.unwrap();
}
