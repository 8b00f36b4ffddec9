//! Commissions in a real browser: an administrator's approval queue (a bulk step refused with
//! the reasons beside the fields, then two approved at once and one marked paid), the
//! statement, a commission's own page, Settings › Commissions (a rule refused beside its field,
//! then added); an agent sees only their own and no settings. axe-core clean and screenshots
//! at 375 and 1280 px.

use crate::sign_in_browser::sign_in;
use comply360_domain::IsolationMode;
use comply360_testkit::browser::{
    browser_sized, chromedriver, click, fill, judge, press, wait_for_text,
};
use comply360_testkit::{TEST_PASSWORD, TestApp, TestDb, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

struct Api<'a> {
    app: &'a TestApp,
    token: String,
}

impl Api<'_> {
    async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let mut req = reqwest::Client::new()
            .request(method, self.app.url(path))
            .header("x-tenant", "karoo")
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }
}

/// Karoo agency: a R 1 500 price, a 10 % rule (and a R 250 override for Sipho), and three
/// approved reservations for Thandi and one for Sipho, their commissions calculated.
async fn seed(app: &TestApp) -> uuid::Uuid {
    app.create_user("karoo", "lindiwe@karoo.example", "tenant_admin")
        .await;
    let thandi = app
        .create_user("karoo", "thandi@karoo.example", "agent")
        .await;
    let sipho = app
        .create_user("karoo", "sipho@karoo.example", "agent")
        .await;
    let api = Api {
        app,
        token: app.login("karoo", "lindiwe@karoo.example").await,
    };
    api.ok(
        Method::POST,
        "/api/v1/prices",
        Some(json!({"kind": "za_name_reservation", "amount_cents": 150_000})),
    )
    .await;
    api.ok(
        Method::POST,
        "/api/v1/commission-rules",
        Some(json!({"basis": "percentage", "rate_bp": 1000, "note": "agency standard"})),
    )
    .await;
    api.ok(Method::POST, "/api/v1/commission-rules", Some(json!({"basis": "fixed", "amount_cents": 25_000, "agent_id": sipho, "kind": "za_name_reservation"}))).await;
    let client = api
        .ok(
            Method::POST,
            "/api/v1/clients",
            Some(json!({"kind": "organisation", "display_name": "Karoo Solar Holdings"})),
        )
        .await["id"]
        .clone();
    for (agent, name) in [
        (thandi, "Karoo Wind (Pty) Ltd"),
        (thandi, "Karoo Water (Pty) Ltd"),
        (thandi, "Karoo Sun (Pty) Ltd"),
        (sipho, "Karoo Earth (Pty) Ltd"),
    ] {
        let r = api
            .ok(
                Method::POST,
                "/api/v1/registrations",
                Some(
                    json!({"client_id": client, "kind": "za_name_reservation", "agent_id": agent,
                "steps": {"names": {"company_kind": "private", "names": [name]}}}),
                ),
            )
            .await;
        let id = r["id"].as_str().unwrap();
        api.ok(
            Method::POST,
            &format!("/api/v1/registrations/{id}/submit"),
            None,
        )
        .await;
        api.ok(
            Method::POST,
            &format!("/api/v1/registrations/{id}/transitions"),
            Some(json!({"action": "approve",
            "outcome": {"reserved_name": name, "reservation_number": "2026123456"}})),
        )
        .await;
    }
    app.run_jobs("karoo").await;
    thandi
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_approves_and_pays_commissions_in_bulk() {
    let Some((_driver, driver_port)) = chromedriver().await else {
        return;
    };
    let db = TestDb::new().await;
    db.tenant("karoo", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    let thandi = seed(&app).await;
    let base = format!("http://karoo.localhost:{}", app.addr.port());

    // First look, at both widths, before anything changes.
    for width in [375, 1280] {
        let profile = tempfile::tempdir().unwrap();
        let b = browser_sized(driver_port, profile.path(), width, 900).await;
        b.goto(&format!("{base}/login")).await.unwrap();
        sign_in(&b, "lindiwe@karoo.example", TEST_PASSWORD).await;
        wait_for_text(&b, "Dashboard").await;
        b.goto(&format!("{base}/commissions?status=pending"))
            .await
            .unwrap();
        let text = wait_for_text(&b, "With the selected commissions").await;
        assert!(
            text.contains("R150.00") && text.contains("R250.00"),
            "{text}"
        );
        assert!(text.contains("R700.00"), "the page's total: {text}");
        judge(&b, "commissions-queue", width).await;
        b.goto(&format!("{base}/settings/commissions"))
            .await
            .unwrap();
        wait_for_text(&b, "Commission rules").await;
        judge(&b, "settings-commissions", width).await;
        b.goto(&format!("{base}/commissions/statement?agent={thandi}"))
            .await
            .unwrap();
        wait_for_text(&b, "Commission statement").await;
        judge(&b, "commissions-statement", width).await;
        click(&b, "//main//table//a").await;
        wait_for_text(&b, "How it was calculated").await;
        judge(&b, "commission", width).await;
        b.close().await.unwrap();
    }

    let profile = tempfile::tempdir().unwrap();
    let b = browser_sized(driver_port, profile.path(), 1280, 900).await;
    b.goto(&format!("{base}/login")).await.unwrap();
    sign_in(&b, "lindiwe@karoo.example", TEST_PASSWORD).await;
    wait_for_text(&b, "Dashboard").await;
    b.goto(&format!("{base}/commissions?status=pending"))
        .await
        .unwrap();
    wait_for_text(&b, "With the selected commissions").await;
    // Rejecting with nothing ticked and no reason: both reasons, beside their fields.
    press(&b, "Reject").await;
    let text = wait_for_text(&b, "Nothing was changed").await;
    assert!(text.contains("choose at least one commission"), "{text}");
    assert!(
        text.contains("say why the commission is rejected"),
        "{text}"
    );
    let html = b.source().await.unwrap();
    assert!(html.contains("id=\"reason-error\""), "{html}");
    assert!(b.title().await.unwrap().starts_with("Error:"));
    judge(&b, "commissions-refused", 1280).await;

    // Two ticked and approved at once.
    click(&b, "(//main//input[@name='ids'])[1]").await;
    click(&b, "(//main//input[@name='ids'])[2]").await;
    press(&b, "Approve").await;
    wait_for_text(&b, "2 commissions approved.").await;
    // The "to pay" queue: one marked paid with its reference.
    b.goto(&format!("{base}/commissions?status=approved"))
        .await
        .unwrap();
    let text = wait_for_text(&b, "With the selected commissions").await;
    assert!(text.matches("approved").count() >= 2, "{text}");
    click(&b, "(//main//input[@name='ids'])[1]").await;
    fill(&b, "payment_reference", "EFT KAROO-0042").await;
    press(&b, "Mark paid").await;
    wait_for_text(&b, "1 commission marked paid.").await;
    b.goto(&format!("{base}/commissions?status=paid"))
        .await
        .unwrap();
    wait_for_text(&b, "Paid").await;
    judge(&b, "commissions-paid", 1280).await;

    // Settings: a percentage people cannot mean, refused beside the field; then a rule added.
    b.goto(&format!("{base}/settings/commissions"))
        .await
        .unwrap();
    wait_for_text(&b, "Add a rule").await;
    fill(&b, "percent", "12,345").await;
    b.find(fantoccini::Locator::Css(
        "#kind option[value='za_vat_registration']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    press(&b, "Add the rule").await;
    let text = wait_for_text(&b, "There is a problem").await;
    assert!(text.contains("is not a percentage"), "{text}");
    let html = b.source().await.unwrap();
    assert!(html.contains("id=\"percent-error\""), "{html}");
    judge(&b, "settings-commissions-refused", 1280).await;
    fill(&b, "percent", "7.5").await;
    press(&b, "Add the rule").await;
    wait_for_text(&b, "The rule is added: 7.50 % of the fee.").await;
    b.close().await.unwrap();

    // An agent: only their own, nothing to tick, no commission settings.
    let profile = tempfile::tempdir().unwrap();
    let b = browser_sized(driver_port, profile.path(), 375, 900).await;
    b.goto(&format!("{base}/login")).await.unwrap();
    sign_in(&b, "sipho@karoo.example", TEST_PASSWORD).await;
    wait_for_text(&b, "Dashboard").await;
    b.goto(&format!("{base}/commissions")).await.unwrap();
    let text = wait_for_text(&b, "Your commissions").await;
    assert!(
        text.contains("R250.00") && !text.contains("R150.00"),
        "{text}"
    );
    assert!(!b.source().await.unwrap().contains("name=\"ids\""));
    judge(&b, "commissions-agent", 375).await;
    b.goto(&format!("{base}/settings/commissions"))
        .await
        .unwrap();
    wait_for_text(&b, "Not permitted").await;
    b.close().await.unwrap();
}
