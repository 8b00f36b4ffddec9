//! Platform billing: every agency invoiced monthly at its plan's price with VAT, numbered
//! without gaps and never twice for a month; one unpaid past the grace period is held (reads
//! go on, changes get 423 billing_hold, a client's payment is still taken) and released the
//! moment its invoice is paid; nothing is deleted.

use crate::support::env;
use chrono::Days;
use comply360_domain::{IsolationMode, Tier};
use comply360_testkit::{create_tenant_on, http};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn an_unpaid_agency_is_held_for_writes_and_released_when_it_pays() {
    let env = env().await;
    let store = &env.db.store;
    create_tenant_on(store, "late-payer", IsolationMode::Schema, Tier::Starter).await;
    let a = env.agency("prompt-payer", IsolationMode::Pooled).await;
    let app = &env.pa.app;
    app.create_user("late-payer", "boss@late.example", "tenant_admin")
        .await;
    let late = app.login("late-payer", "boss@late.example").await;

    let today = comply360_practice::reminders::sa_today();
    let period = comply360_store::billing::month_of(today);
    let made = store
        .issue_platform_invoices(period, today, "operator@test")
        .await
        .unwrap();
    let mine = |slug: &str| made.iter().find(|i| i.slug == slug).unwrap().clone();
    let starter = mine("late-payer");
    assert_eq!(starter.amount_cents, 99_000);
    assert_eq!(starter.vat_cents, 14_850, "15% VAT");
    assert_eq!(starter.total_cents, 113_850);
    assert_eq!(mine("prompt-payer").tier, "enterprise");
    let mut numbers: Vec<i64> = made
        .iter()
        .map(|i| i.number.trim_start_matches("C360-").parse().unwrap())
        .collect();
    numbers.sort_unstable();
    assert!(
        numbers.windows(2).all(|w| w[1] == w[0] + 1),
        "no gaps: {numbers:?}"
    );
    // A rerun for the same month issues nothing.
    assert!(
        store
            .issue_platform_invoices(period, today, "operator@test")
            .await
            .unwrap()
            .is_empty()
    );

    // The prompt payer pays; the late one does not. Within the grace period nobody is held.
    store
        .record_platform_payment(
            &mine("prompt-payer").number,
            "EFT ref 991",
            "operator@test",
            today,
            14,
        )
        .await
        .unwrap();
    let within = starter.due_on.checked_add_days(Days::new(14)).unwrap();
    let report = store
        .enforce_billing(within, 14, "operator@test")
        .await
        .unwrap();
    assert!(report.held.is_empty(), "{report:?}");
    let after = within.succ_opt().unwrap();
    let report = store
        .enforce_billing(after, 14, "operator@test")
        .await
        .unwrap();
    assert_eq!(report.held, ["late-payer"]);

    // Held: reads go on; changes are refused with the reason and the way out.
    let (status, _) = http::call(
        &env.http,
        app,
        "late-payer",
        &late,
        Method::GET,
        "/api/v1/clients",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, problem) = http::call(
        &env.http,
        app,
        "late-payer",
        &late,
        Method::POST,
        "/api/v1/clients",
        Some(json!({"kind": "person", "first_names": "Ayanda", "surname": "Khumalo"})),
    )
    .await;
    assert_eq!(status, StatusCode::LOCKED, "{problem}");
    assert_eq!(problem["code"], "billing_hold");
    assert!(
        problem["detail"].as_str().unwrap().contains("pays it"),
        "{problem}"
    );
    // The other agency is not affected.
    let (status, body) = env
        .call(
            &a,
            &a.admin,
            Method::POST,
            "/api/v1/clients",
            Some(json!({"kind": "person", "first_names": "Ayanda", "surname": "Khumalo"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Nothing was deleted: the held agency's invoice and tenant are there.
    let listed = store.platform_invoices(None).await.unwrap();
    assert_eq!(listed.iter().filter(|i| i.slug == "late-payer").count(), 1);

    // Paying releases it at once.
    let paid = store
        .record_platform_payment(
            &starter.number,
            "Stripe pi_late",
            "operator@test",
            after,
            14,
        )
        .await
        .unwrap();
    assert_eq!(paid.status, "paid");
    let (status, body) = http::call(
        &env.http,
        app,
        "late-payer",
        &late,
        Method::POST,
        "/api/v1/clients",
        Some(json!({"kind": "person", "first_names": "Ayanda", "surname": "Khumalo"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let report = store
        .enforce_billing(after, 14, "operator@test")
        .await
        .unwrap();
    assert!(
        report.held.is_empty() && report.released.is_empty(),
        "{report:?}"
    );
}
