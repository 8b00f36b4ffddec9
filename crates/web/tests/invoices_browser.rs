//! Invoices in a real browser: an administrator finds no invoices yet, drafts one from a
//! registration, issues it and sees the pay link once, records an EFT payment (first refused
//! beside the amount: more than is due), refunds part of it with a reason, and downloads the
//! PDFs; an agent sees the invoice without the payment actions. axe-core clean and screenshots
//! at 375 and 1280 px.

use crate::pay_browser::{agency, ok, registration};
use crate::sign_in_browser::sign_in;
use crate::support::Visitor;
use comply360_testkit::browser::{
    browser_sized, chromedriver, click, fill, judge_widths, press, wait_for_text,
};
use comply360_testkit::payments::payments_app;
use comply360_testkit::{TEST_PASSWORD, TestDb};
use reqwest::{Method, StatusCode};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_invoice_a_registration_record_a_payment_and_refund_part() {
    let Some((_driver, driver_port)) = chromedriver().await else {
        return;
    };
    let db = TestDb::new().await;
    let pa = payments_app(db.store.clone()).await;
    let a = agency(&pa, &db, "karoo").await;
    let base = format!("http://karoo.localhost:{}", pa.app.addr.port());

    let profile = tempfile::tempdir().unwrap();
    let b = browser_sized(driver_port, profile.path(), 1280, 900).await;
    b.goto(&format!("{base}/login")).await.unwrap();
    sign_in(&b, "lerato@karoo.example", TEST_PASSWORD).await;
    wait_for_text(&b, "Dashboard").await;
    click(&b, "//nav//a[normalize-space()='Invoices']").await;
    wait_for_text(&b, "No invoices yet — create one from a registration").await;
    judge_widths(&b, "invoices-empty").await;

    // From the registration's Invoice panel to the draft.
    let registration = registration(&pa, &a, "Dlamini").await;
    b.goto(&format!("{base}/registrations/{registration}"))
        .await
        .unwrap();
    wait_for_text(&b, "No invoice yet").await;
    press(&b, "Create invoice").await;
    let text = wait_for_text(&b, "Draft invoice created").await;
    assert!(
        text.contains("Subtotal") && text.contains("Issue the invoice"),
        "{text}"
    );
    let id = b
        .current_url()
        .await
        .unwrap()
        .path()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    judge_widths(&b, "invoice-draft").await;

    // Issued: the pay link, once.
    press(&b, "Issue the invoice").await;
    wait_for_text(&b, "The client's pay link").await;
    let link = b
        .find(fantoccini::Locator::Id("pay-url"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert!(link.contains("/pay/karoo/"), "{link}");
    judge_widths(&b, "invoice-issued").await;

    // More than is due: said beside the amount, in rands.
    let invoice = ok(
        &pa,
        &a,
        &a.admin,
        Method::GET,
        &format!("/api/v1/invoices/{id}"),
        None,
    )
    .await;
    let due = invoice["due_cents"].as_i64().unwrap();
    click(&b, "//summary[normalize-space()='Record a payment']").await;
    fill(&b, "amount", "99999").await;
    fill(&b, "reference", "FNB 2026 DLAMINI").await;
    press(&b, "Record the payment").await;
    let text = wait_for_text(&b, "There is a problem").await;
    assert!(text.contains("still due"), "{text}");
    assert!(!text.contains("cents"), "{text}");
    let html = b.source().await.unwrap();
    assert!(
        html.contains("id=\"amount-error\""),
        "the message is beside the field"
    );
    judge_widths(&b, "invoice-payment-refused").await;
    fill(&b, "amount", &format!("{}.{:02}", due / 100, due % 100)).await;
    press(&b, "Record the payment").await;
    let text = wait_for_text(&b, "recorded.").await;
    assert!(
        text.contains("EFT") && text.contains("FNB 2026 DLAMINI"),
        "{text}"
    );

    // Part refunded, with a reason: a credit note.
    click(&b, "//summary[normalize-space()='Refund']").await;
    fill(&b, "refund_amount", "100").await;
    fill(&b, "refund_reason", "The courier was not needed").await;
    press(&b, "Refund").await;
    let text = wait_for_text(&b, "Refund of R100.00 recorded").await;
    assert!(
        text.contains("The courier was not needed") && text.contains("Credit note PDF"),
        "{text}"
    );
    judge_widths(&b, "invoice-refunded").await;
    b.close().await.unwrap();

    // The documents, as the browser would fetch them.
    let mut admin = Visitor::new(&pa.app, "karoo");
    admin.sign_in("lerato@karoo.example").await;
    let (status, headers, bytes) = admin
        .get_bytes(&format!("/invoices/{id}/invoice.pdf"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(bytes.starts_with(b"%PDF"));
    let detail = ok(
        &pa,
        &a,
        &a.admin,
        Method::GET,
        &format!("/api/v1/invoices/{id}"),
        None,
    )
    .await;
    let payment = detail["payments"][0]["id"].as_str().unwrap();
    let note = detail["credit_notes"][0]["id"].as_str().unwrap();
    for path in [
        format!("/invoices/{id}/receipts/{payment}.pdf"),
        format!("/invoices/{id}/credit-notes/{note}.pdf"),
    ] {
        let (status, _, bytes) = admin.get_bytes(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(bytes.starts_with(b"%PDF"), "{path}");
    }

    // An agent reads the invoice but may not take money actions.
    let mut agent = Visitor::new(&pa.app, "karoo");
    agent.sign_in("thandi@karoo.example").await;
    let page = agent.get(&format!("/invoices/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for action in [
        "Void the invoice",
        "Record a payment",
        "<summary>Refund</summary>",
    ] {
        assert!(!page.body.contains(action), "an agent sees {action}");
    }
    let res = agent
        .post(&format!("/invoices/{id}/void"), &[("reason", "x")])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(agent.get("/invoices").await.body.contains("INV-000001"));
}
