//! Settings › Billing and Settings › Payments in a real browser: a VAT vendor without a VAT
//! number is refused beside the field, then saved; Stripe connected with a key that is not
//! one is refused beside the field, then connected, and the connected state shows neither
//! secret. axe-core clean and screenshots at 375 and 1280 px.

use crate::sign_in_browser::sign_in;
use comply360_domain::IsolationMode;
use comply360_testkit::browser::{
    browser_sized, chromedriver, click, fill, judge_widths, press, wait_for_text,
};
use comply360_testkit::payments::payments_app;
use comply360_testkit::{TEST_PASSWORD, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_sets_billing_details_and_connects_stripe() {
    let Some((_driver, driver_port)) = chromedriver().await else {
        return;
    };
    let db = TestDb::new().await;
    db.tenant("karoo", IsolationMode::Pooled).await;
    let pa = payments_app(db.store.clone()).await;
    pa.app
        .create_user("karoo", "lerato@karoo.example", "tenant_admin")
        .await;
    let base = format!("http://karoo.localhost:{}", pa.app.addr.port());

    let profile = tempfile::tempdir().unwrap();
    let b = browser_sized(driver_port, profile.path(), 1280, 900).await;
    b.goto(&format!("{base}/login")).await.unwrap();
    sign_in(&b, "lerato@karoo.example", TEST_PASSWORD).await;
    wait_for_text(&b, "Dashboard").await;

    // Billing: a VAT vendor must give its number.
    b.goto(&format!("{base}/settings/billing")).await.unwrap();
    wait_for_text(&b, "Your agency on its invoices").await;
    fill(&b, "legal_name", "Karoo Corporate Services (Pty) Ltd").await;
    fill(&b, "bank_details", "FNB 62000000000, branch 250655").await;
    click(&b, "//input[@id='vat_vendor']").await;
    press(&b, "Save billing details").await;
    let text = wait_for_text(&b, "There is a problem").await;
    assert!(text.contains("must show its VAT number"), "{text}");
    let html = b.source().await.unwrap();
    assert!(html.contains("id=\"vat_number-error\""), "beside the field");
    judge_widths(&b, "settings-billing-refused").await;
    fill(&b, "vat_number", "4123456789").await;
    press(&b, "Save billing details").await;
    wait_for_text(&b, "Billing details saved").await;
    judge_widths(&b, "settings-billing").await;

    // Payments: a key that is not a Stripe secret key, then the real one.
    b.goto(&format!("{base}/settings/payments")).await.unwrap();
    wait_for_text(&b, "Latest notifications from the providers").await;
    judge_widths(&b, "settings-payments-empty").await;
    let stripe = pa.stripe.stripe_config();
    fill(&b, "stripe-secret_key", "pk_test_not_a_secret").await;
    fill(&b, "stripe-webhook_secret", stripe.webhook_secret.expose()).await;
    press(&b, "Save Stripe").await;
    let text = wait_for_text(&b, "There is a problem").await;
    assert!(text.contains("is a Stripe secret key"), "{text}");
    let html = b.source().await.unwrap();
    assert!(
        html.contains("id=\"stripe-secret_key-error\""),
        "beside the field"
    );
    assert!(
        !html.contains(stripe.webhook_secret.expose()),
        "never sent back"
    );
    judge_widths(&b, "settings-payments-refused").await;
    fill(&b, "stripe-secret_key", stripe.secret_key.expose()).await;
    fill(&b, "stripe-webhook_secret", stripe.webhook_secret.expose()).await;
    press(&b, "Save Stripe").await;
    let text = wait_for_text(&b, "Stripe is connected").await;
    assert!(text.contains("test mode"), "{text}");
    let hook = b
        .find(fantoccini::Locator::Id("stripe-webhook"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert!(hook.ends_with("/api/v1/webhooks/stripe/karoo"), "{hook}");
    let html = b.source().await.unwrap();
    assert!(
        !html.contains(stripe.secret_key.expose()),
        "the key is never shown"
    );
    assert!(
        !html.contains(stripe.webhook_secret.expose()),
        "the secret is never shown"
    );
    judge_widths(&b, "settings-payments").await;
    b.close().await.unwrap();
}
