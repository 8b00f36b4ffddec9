//! The calendar pages follow the platform's declared holidays: when the operator declares a
//! day inside an annual return's window, the list and the month show the new due date (and the
//! day as a holiday); removing it puts the date back. The private feed's address is shown.

use crate::support::Visitor;
use chrono::{Datelike, Duration as Days, NaiveDate, Utc};
use comply360_domain::IsolationMode;
use comply360_testkit::{TEST_PASSWORD, TestDb, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn words(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

#[tokio::test]
async fn declaring_a_holiday_moves_the_due_date_the_calendar_pages_show() {
    let db = TestDb::new().await;
    db.tenant("cal", IsolationMode::Schema).await;
    let app = spawn_app(db.store.clone()).await;
    let admin_email = "lindi@cal.example";
    app.create_user("cal", admin_email, "tenant_admin").await;
    let admin = app.login("cal", admin_email).await;
    let api = reqwest::Client::new();
    let post = |path: &str, token: &str, tenant: Option<&str>, body: Value| {
        let mut req = api.post(app.url(path)).bearer_auth(token).json(&body);
        if let Some(t) = tenant {
            req = req.header("x-tenant", t);
        }
        req.send()
    };
    let client: Value = post(
        "/api/v1/clients",
        &admin,
        Some("cal"),
        json!({"first_names": "Thabo", "surname": "Mokoena", "id_number": "8001015009087"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    // Incorporated two years ago, a month from now: its annual return's window is open soon.
    let today = (Utc::now() + Days::hours(2)).date_naive();
    let anniversary = today + Days::days(30);
    let incorporated = anniversary
        .with_year(anniversary.year() - 2)
        .unwrap_or(anniversary - Days::days(730));
    let res = post("/api/v1/companies", &admin, Some("cal"), json!({"client_id": client["id"], "company_type": "private_company", "name": "Window Traders (Pty) Ltd", "incorporated_on": incorporated}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let obligations: Value = api
        .get(app.url("/api/v1/obligations?kind=annual_return"))
        .bearer_auth(&admin)
        .header("x-tenant", "cal")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let due: NaiveDate = obligations["items"][0]["due_on"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    let mut page = Visitor::new(&app, "cal");
    page.sign_in(admin_email).await;
    let list = page.get("/calendar?who=all").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains(&words(due)),
        "the due date is listed: {}",
        list.body
    );
    assert!(
        list.body.contains("ical") && list.body.contains(".ics"),
        "the feed address (HTML-escaped)"
    );

    // The operator declares the due date itself a public holiday: the deadline moves to the
    // next business day, on the list and in the month.
    app.state
        .identity
        .create_platform_user("ops@platform.example", "super_admin", "Ops", TEST_PASSWORD)
        .await
        .unwrap();
    let ops: Value = api
        .post(app.url("/api/v1/platform/auth/login"))
        .json(&json!({"email": "ops@platform.example", "password": TEST_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ops = ops["access_token"].as_str().unwrap().to_owned();
    let res = post(
        "/api/v1/platform/holidays",
        &ops,
        None,
        json!({"date": due, "name": "test election day"}),
    )
    .await
    .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let calendar = comply360_domain::calendar::BusinessCalendar::new([due]);
    let moved = calendar.add_business_days(due, 1);
    let list = page.get("/calendar?who=all").await;
    assert!(
        list.body.contains(&words(moved)),
        "moved to {moved}: {}",
        list.body
    );
    assert!(!list.body.contains(&words(due)), "no longer {due}");
    let month = page
        .get(&format!(
            "/calendar?view=month&who=all&month={}",
            due.format("%Y-%m")
        ))
        .await;
    assert!(
        month.body.contains("Declared public holiday"),
        "{}",
        month.body
    );

    // Removed: back to the first date.
    let res = api
        .delete(app.url(&format!("/api/v1/platform/holidays/{due}")))
        .bearer_auth(&ops)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let list = page.get("/calendar?who=all").await;
    assert!(list.body.contains(&words(due)), "back to {due}");
}
