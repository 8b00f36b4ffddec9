//! The reports page in a real browser: an administrator of an agency with six months of
//! registrations (written with their timelines straight into the database) and commissions
//! earned through the workflow opens Reports, sees the four charts with their tables, follows
//! a CSV link (the same rows as the API's CSV), asks for too long a period (refused beside
//! the field) and an empty one (the empty state). axe-core clean, no sideways scrolling,
//! screenshots at 1280 and 375 px. An agent has no Reports section and gets the 403 page.

use crate::sign_in_browser::sign_in;
use chrono::{Days, Utc};
use comply360_domain::IsolationMode;
use comply360_testkit::browser::{browser_sized, chromedriver, judge_widths, wait_for_text};
use comply360_testkit::{TEST_PASSWORD, TestApp, TestDb, spawn_app};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use uuid::Uuid;

const SLUG: &str = "mopane";

async fn api(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let res = reqwest::Client::new()
        .post(app.url(path))
        .header("x-tenant", SLUG)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{path}: {}", res.status());
    res.json().await.unwrap_or(Value::Null)
}

/// Four name reservations approved through the API for two agents (their commissions
/// calculated by the job), then approved, paid and rejected by the administrator.
async fn commissions(app: &TestApp, admin: &str, agents: [Uuid; 2]) -> Uuid {
    api(
        app,
        admin,
        "/api/v1/prices",
        json!({"kind": "za_name_reservation", "amount_cents": 85_000}),
    )
    .await;
    api(
        app,
        admin,
        "/api/v1/commission-rules",
        json!({"basis": "percentage", "rate_bp": 1500}),
    )
    .await;
    let client = api(
        app,
        admin,
        "/api/v1/clients",
        json!({"kind": "person", "first_names": "Lerato", "surname": "Molefe"}),
    )
    .await;
    let client = client["id"].as_str().unwrap().to_owned();
    for (i, agent) in [agents[0], agents[0], agents[0], agents[1]]
        .iter()
        .enumerate()
    {
        let r = api(app, admin, "/api/v1/registrations", json!({"client_id": client, "kind": "za_name_reservation", "agent_id": agent,
            "steps": {"names": {"company_kind": "private", "names": [format!("Mopane Trading {i} (Pty) Ltd")]}}})).await;
        let id = r["id"].as_str().unwrap();
        api(
            app,
            admin,
            &format!("/api/v1/registrations/{id}/submit"),
            json!({}),
        )
        .await;
        api(app, admin, &format!("/api/v1/registrations/{id}/transitions"), json!({"action": "approve", "note": "CoR 9.4 received",
            "outcome": {"reserved_name": format!("Mopane Trading {i} (Pty) Ltd"), "reservation_number": "2026123456"}})).await;
    }
    app.run_jobs(SLUG).await;
    let res = reqwest::Client::new()
        .get(app.url("/api/v1/commissions?limit=50"))
        .header("x-tenant", SLUG)
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    let page: Value = res.json().await.unwrap();
    let ids: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 4);
    api(
        app,
        admin,
        &format!("/api/v1/commissions/{}/approve", ids[0]),
        json!({}),
    )
    .await;
    api(
        app,
        admin,
        &format!("/api/v1/commissions/{}/approve", ids[1]),
        json!({}),
    )
    .await;
    api(
        app,
        admin,
        &format!("/api/v1/commissions/{}/pay", ids[1]),
        json!({"payment_reference": "EFT 2041"}),
    )
    .await;
    api(
        app,
        admin,
        &format!("/api/v1/commissions/{}/reject", ids[2]),
        json!({"reason": "filed twice"}),
    )
    .await;
    client.parse().unwrap()
}

/// Six months of registrations of three types in every status, with their timelines (the
/// approved ones submitted and approved days apart), and the private company's price.
async fn history(app: &TestApp, client: Uuid) {
    let tenant = app.store.tenancy().resolve(SLUG).await.unwrap();
    let t = tenant.id().as_uuid();
    let mut tx = app.store.tenancy().begin(&tenant).await.unwrap();
    tx.query(
        "INSERT INTO registration_prices (tenant_id, id, kind, amount_cents, currency, effective_from) \
         VALUES ($1, gen_random_uuid(), 'za_private_company', 175000, 'ZAR', '2020-01-01')",
    )
    .bind(t)
    .execute(tx.conn())
    .await
    .unwrap();
    let kinds = [
        "za_private_company",
        "za_name_reservation",
        "za_vat_registration",
    ];
    let statuses = [
        "approved",
        "approved",
        "completed",
        "submitted",
        "draft",
        "rejected",
        "approved",
        "cancelled",
    ];
    let now = Utc::now();
    for i in 0..60u64 {
        let created = now - Days::new(3 * i + 1);
        let status = statuses[(i % 8) as usize];
        let id = Uuid::now_v7();
        let submitted = created + chrono::Duration::hours(4);
        let filed = !["draft", "cancelled"].contains(&status);
        tx.query(
            "INSERT INTO registrations (tenant_id, id, client_id, jurisdiction, kind, status, created_at, submitted_at) \
             VALUES ($1, $2, $3, 'ZA', $4, $5, $6, $7)",
        )
        .bind(t)
        .bind(id)
        .bind(client)
        .bind(kinds[(i % 3) as usize])
        .bind(status)
        .bind(created)
        .bind(filed.then_some(submitted))
        .execute(tx.conn())
        .await
        .unwrap();
        let mut steps = vec![(None, "draft", created)];
        if filed {
            steps.push((Some("draft"), "submitted", submitted));
        }
        if ["approved", "completed"].contains(&status) {
            let wait = chrono::Duration::hours(6 + (i as i64 * 17) % 200);
            steps.push((Some("submitted"), "approved", submitted + wait));
        }
        for (from, to, at) in steps {
            tx.query(
                "INSERT INTO registration_timeline (tenant_id, id, registration_id, at, action, from_status, to_status) \
                 VALUES ($1, gen_random_uuid(), $2, $3, 'test', $4, $5)",
            )
            .bind(t)
            .bind(id)
            .bind(at)
            .bind(from)
            .bind(to)
            .execute(tx.conn())
            .await
            .unwrap();
        }
    }
    tx.commit().await.unwrap();
}

async fn count(client: &Client, css: &str) -> usize {
    client.find_all(Locator::Css(css)).await.unwrap().len()
}

/// What following `href` in the page gives (the session's cookies go with it).
async fn follow(client: &Client, href: &str) -> (u64, String, String) {
    let got = client
        .execute_async(
            r#"const [href, done] = arguments;
               fetch(href).then(async r => done([r.status, r.headers.get("content-disposition"), await r.text()]));"#,
            vec![json!(href)],
        )
        .await
        .unwrap();
    (
        got[0].as_u64().unwrap(),
        got[1].as_str().unwrap_or_default().to_owned(),
        got[2].as_str().unwrap().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_reads_the_reports_and_an_agent_may_not() {
    let Some((_driver, driver_port)) = chromedriver().await else {
        return;
    };
    let db = TestDb::new().await;
    db.tenant(SLUG, IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    app.create_user(SLUG, "naledi@mopane.example", "tenant_admin")
        .await;
    let thandi = app
        .create_user(SLUG, "thandi@mopane.example", "agent")
        .await;
    let sipho = app
        .create_user(SLUG, "sipho.van.der.merwe@mopane.example", "agent")
        .await;
    let admin = app.login(SLUG, "naledi@mopane.example").await;
    let client_id = commissions(&app, &admin, [thandi, sipho]).await;
    history(&app, client_id).await;
    let base = format!("http://{SLUG}.localhost:{}", app.addr.port());

    let profile = tempfile::tempdir().unwrap();
    let b = browser_sized(driver_port, profile.path(), 1280, 900).await;
    b.goto(&format!("{base}/login")).await.unwrap();
    sign_in(&b, "naledi@mopane.example", TEST_PASSWORD).await;
    wait_for_text(&b, "Dashboard").await;
    b.find(Locator::XPath(
        "//nav[@aria-label='Sections']//a[normalize-space()='Reports']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let text = wait_for_text(&b, "Registrations per month").await;
    for says in [
        "Turnaround",
        "Commissions by agent",
        "Fees earned",
        "All months",
        "All types",
    ] {
        assert!(text.contains(says), "{says}: {text}");
    }
    // Four charts, each an image with a name, and the tables beside them.
    assert_eq!(count(&b, "svg.chart[role=img][aria-label]").await, 4);
    assert!(count(&b, "svg.chart rect.bar").await > 20);
    assert_eq!(count(&b, "table.report-table caption").await, 5);
    assert!(count(&b, "table.report-table th[scope=row]").await > 13);
    assert!(
        text.contains("thandi@mopane.example") && text.contains("R127.50"),
        "{text}"
    );
    let current = b
        .find(Locator::Css(".sections a[aria-current=page]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(current, "Reports");
    judge_widths(&b, "reports").await;

    // The CSV link: the fees' rows, as a download.
    let href = b
        .find(Locator::Css("a[href^='/reports/fees.csv']"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(href.contains("from=") && href.contains("to="), "{href}");
    let (status, disposition, csv) = follow(&b, &href).await;
    assert_eq!(status, 200);
    assert_eq!(disposition, "attachment; filename=\"fees.csv\"");
    assert!(
        csv.starts_with("month,registration_kind,price,currency,registrations,fees\n"),
        "{csv}"
    );
    assert!(
        csv.contains(",za_name_reservation,set,ZAR,4,3400.00"),
        "{csv}"
    );
    assert!(csv.contains("no price set"), "{csv}");

    // Too long a period: refused beside the field and in the summary.
    b.goto(&format!("{base}/reports?from=2020-01&to=2026-01"))
        .await
        .unwrap();
    let text = wait_for_text(&b, "There is a problem").await;
    assert_eq!(text.matches("at most 36").count(), 2, "{text}");
    assert!(b.title().await.unwrap().starts_with("Error:"));
    let says = b
        .find(Locator::Id("to-error"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(says.contains("The period spans 73 months"), "{says}");
    judge_widths(&b, "reports-error").await;

    // A period with nothing in it.
    b.goto(&format!("{base}/reports?from=2019-01&to=2019-06"))
        .await
        .unwrap();
    wait_for_text(&b, "No registrations in this period yet").await;
    assert_eq!(count(&b, "svg.chart").await, 0);
    judge_widths(&b, "reports-empty").await;
    b.close().await.unwrap();

    // An agent: no Reports section, and the page is not theirs.
    let profile = tempfile::tempdir().unwrap();
    let b = browser_sized(driver_port, profile.path(), 1280, 900).await;
    b.goto(&format!("{base}/login")).await.unwrap();
    sign_in(&b, "thandi@mopane.example", TEST_PASSWORD).await;
    let text = wait_for_text(&b, "Dashboard").await;
    assert!(
        !b.source().await.unwrap().contains("href=\"/reports\""),
        "{text}"
    );
    b.goto(&format!("{base}/reports")).await.unwrap();
    wait_for_text(&b, "Not permitted").await;
    let (status, _, _) = follow(&b, "/reports/fees.csv").await;
    assert_eq!(status, 403);
    judge_widths(&b, "reports-forbidden").await;
    b.close().await.unwrap();
}
