//! The registration flow in a real browser, as the first two journeys describe it:
//! an agent signs in, creates a client, starts a (Pty) Ltd incorporation, fills half the
//! wizard, closes the browser; reopened, the draft is there; the agent finishes and submits.
//! An administrator assigns it and requests information; the agent answers; the administrator
//! records the registry's approval by hand with its reference and the certificate, and
//! completes it: the company and its obligations appear on the client's page. axe-core and
//! screenshots of every page on the way.

use crate::sign_in_browser::sign_in;
use comply360_domain::IsolationMode;
use comply360_testkit::browser::{browser_sized, chromedriver, fill, judge, press, wait_for_text};
use comply360_testkit::{TEST_PASSWORD, TestDb, spawn_app};
use fantoccini::{Client, Locator};

/// A date input takes its value as the page's script would set it: typed keys follow the
/// browser's locale (mm/dd/yyyy here), not the ISO form the server reads.
async fn set_date(client: &Client, id: &str, iso: &str) {
    client
        .execute(
            "document.getElementById(arguments[0]).value = arguments[1]",
            vec![serde_json::json!(id), serde_json::json!(iso)],
        )
        .await
        .unwrap();
}

async fn click_css(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn open_action(client: &Client, label: &str) {
    client
        .find(Locator::XPath(&format!(
            "//details[@class='action']/summary[normalize-space()=\"{label}\"]"
        )))
        .await
        .unwrap_or_else(|e| panic!("action {label:?}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn select(client: &Client, id: &str, value: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incorporation_goes_from_draft_through_a_closed_browser_to_a_company_with_obligations() {
    let Some((_driver, driver_port)) = chromedriver().await else {
        return;
    };
    let db = TestDb::new().await;
    db.tenant("flow", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    app.create_user("flow", "thandeka@flow.example", "agent")
        .await;
    app.create_user("flow", "boss@flow.example", "tenant_admin")
        .await;
    let base = format!("http://flow.localhost:{}", app.addr.port());
    let profile = tempfile::tempdir().unwrap();

    // The agent: a client, then the draft's first two steps.
    let agent = browser_sized(driver_port, profile.path(), 1280, 900).await;
    agent.goto(&format!("{base}/login")).await.unwrap();
    sign_in(&agent, "thandeka@flow.example", TEST_PASSWORD).await;
    wait_for_text(&agent, "Dashboard").await;
    agent.goto(&format!("{base}/registrations")).await.unwrap();
    wait_for_text(&agent, "No registrations yet").await;
    judge(&agent, "registrations-empty", 1280).await;
    agent.goto(&format!("{base}/clients/new")).await.unwrap();
    fill(&agent, "first_names", "Sipho").await;
    fill(&agent, "surname", "Ndlovu").await;
    fill(&agent, "id_number", "8001015009087").await;
    press(&agent, "Add client").await;
    wait_for_text(&agent, "was added").await;
    click_css(&agent, "a[href^='/registrations/new?client=']").await;
    wait_for_text(&agent, "What to register").await;
    judge(&agent, "registration-start", 1280).await;
    click_css(&agent, "input[name=kind][value=za_private_company]").await;
    press(&agent, "Start the draft").await;
    wait_for_text(&agent, "Draft started").await;
    judge(&agent, "wizard-first-step", 1280).await;
    click_css(&agent, "input[name=name_choice][value=registration_number]").await;
    press(&agent, "Save and continue").await;
    wait_for_text(&agent, "Registered office address").await;
    select(&agent, "w-financial_year_end", "2").await;
    fill(&agent, "w-registered_address-line1", "12 Loop Street").await;
    fill(&agent, "w-registered_address-city", "Cape Town").await;
    fill(&agent, "w-registered_address-postal_code", "8001").await;
    click_css(&agent, "input[name=moi][value=standard]").await;
    press(&agent, "Save and continue").await;
    wait_for_text(&agent, "Add another person").await;
    let url = agent.current_url().await.unwrap();
    let registration = url
        .path()
        .split('/')
        .nth(2)
        .expect("/registrations/{id}/steps/…")
        .to_owned();

    // The browser is closed and opened again on the same profile: the draft is there.
    agent.close().await.unwrap();
    let agent = browser_sized(driver_port, profile.path(), 1280, 900).await;
    agent.goto(&format!("{base}/registrations")).await.unwrap();
    let text = wait_for_text(&agent, "Private company (Pty) Ltd incorporation").await;
    assert!(text.contains("Sipho Ndlovu"), "{text}");
    agent
        .goto(&format!(
            "{base}/registrations/{registration}/steps/company_details"
        ))
        .await
        .unwrap();
    wait_for_text(&agent, "Registered office address").await;
    let kept = agent
        .find(Locator::Id("w-registered_address-line1"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("12 Loop Street"));
    press(&agent, "Save and continue").await;

    // Directors: a wrong ID number is refused beside its field, with the practice's words.
    wait_for_text(&agent, "Add another person").await;
    fill(&agent, "w-directors-0-full_name", "Sipho Ndlovu").await;
    fill(&agent, "w-directors-0-id_number", "8001015009088").await;
    press(&agent, "Save and continue").await;
    wait_for_text(&agent, "Correct the fields marked below").await;
    let message = agent
        .find(Locator::Id("w-directors-0-id_number-msg"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        message.contains("not a valid South African ID number"),
        "{message}"
    );
    judge(&agent, "wizard-step-errors", 1280).await;
    fill(&agent, "w-directors-0-id_number", "8001015009087").await;
    press(&agent, "Save and continue").await;

    wait_for_text(&agent, "Authorised shares").await;
    fill(&agent, "w-authorised_shares", "1000").await;
    fill(&agent, "w-shareholders-0-full_name", "Sipho Ndlovu").await;
    fill(&agent, "w-shareholders-0-id_number", "8001015009087").await;
    fill(&agent, "w-shareholders-0-shares", "1000").await;
    press(&agent, "Save and continue").await;
    wait_for_text(&agent, "Documents gathered").await;
    for checkbox in agent
        .find_all(Locator::Css("input[type=checkbox][name=provided]"))
        .await
        .unwrap()
    {
        checkbox.click().await.unwrap();
    }
    press(&agent, "Save and continue").await;
    wait_for_text(&agent, "Payment recorded").await;
    judge(&agent, "wizard-fees", 1280).await;
    fill(&agent, "w-payment-amount", "125.00").await;
    fill(&agent, "w-payment-reference", "CIPC-INV-1001").await;
    set_date(&agent, "w-payment-paid_on", "2026-12-01").await;
    press(&agent, "Save and continue").await;
    wait_for_text(&agent, "Check everything before you submit").await;
    judge(&agent, "wizard-review", 1280).await;
    press(&agent, "Submit the registration").await;
    wait_for_text(&agent, "Submitted. Its progress is on this page.").await;
    judge(&agent, "registration-submitted", 1280).await;

    // The administrator: assigns it to the agent and asks for information.
    let admin_profile = tempfile::tempdir().unwrap();
    let admin = browser_sized(driver_port, admin_profile.path(), 1280, 900).await;
    admin.goto(&format!("{base}/login")).await.unwrap();
    sign_in(&admin, "boss@flow.example", TEST_PASSWORD).await;
    wait_for_text(&admin, "Dashboard").await;
    admin
        .goto(&format!("{base}/registrations/{registration}"))
        .await
        .unwrap();
    wait_for_text(&admin, "What you can do").await;
    open_action(&admin, "Assign").await;
    admin
        .find(Locator::Id("assign-agent"))
        .await
        .unwrap()
        .select_by_label("thandeka@flow.example")
        .await
        .ok();
    press(&admin, "Assign").await;
    wait_for_text(&admin, "Assigned.").await;
    open_action(&admin, "Request information").await;
    fill(
        &admin,
        "n-request_info",
        "CIPC asks for a certified ID copy of the director.",
    )
    .await;
    press(&admin, "Request information").await;
    wait_for_text(&admin, "now info requested").await;

    // The agent answers.
    agent
        .goto(&format!("{base}/registrations/{registration}"))
        .await
        .unwrap();
    let page = wait_for_text(&agent, "certified ID copy").await;
    assert!(page.contains("thandeka@flow.example"), "assigned: {page}");
    open_action(&agent, "Resubmit with the information").await;
    fill(
        &agent,
        "n-resubmit",
        "Certified copy sent to CIPC by email.",
    )
    .await;
    press(&agent, "Resubmit with the information").await;
    wait_for_text(&agent, "now submitted").await;

    // The administrator records the registry's approval with its certificate, then completes.
    let certificate = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    std::fs::write(
        certificate.path(),
        b"%PDF-1.4\n% CoR 14.3 test certificate\n%%EOF\n",
    )
    .unwrap();
    admin.refresh().await.unwrap();
    wait_for_text(&admin, "Record the registry's approval").await;
    open_action(&admin, "Record the registry's approval").await;
    fill(&admin, "o-reference", "CIPC-REF-778899").await;
    fill(&admin, "o-regno", "2026/778899/07").await;
    fill(&admin, "o-name", "Ndlovu Holdings (Pty) Ltd").await;
    set_date(&admin, "o-decided", "2026-12-03").await;
    admin
        .find(Locator::Id("o-cert"))
        .await
        .unwrap()
        .send_keys(&certificate.path().display().to_string())
        .await
        .unwrap();
    judge(&admin, "registration-record-outcome", 1280).await;
    press(&admin, "Record the approval").await;
    wait_for_text(&admin, "now approved").await;
    open_action(&admin, "Complete").await;
    press(&admin, "Complete").await;
    wait_for_text(&admin, "now completed").await;
    let page = wait_for_text(&admin, "2026/778899/07").await;
    assert!(page.contains("CIPC-REF-778899"), "{page}");
    judge(&admin, "registration-completed", 1280).await;

    // The client's page: the company and its obligations.
    click_css(&admin, "main p.muted a[href^='/clients/']").await;
    let page = wait_for_text(&admin, "Ndlovu Holdings").await;
    assert!(page.contains("2026/778899/07"), "{page}");
    assert!(
        page.to_lowercase().contains("annual return"),
        "an annual return is due: {page}"
    );
    judge(&admin, "client-with-company", 1280).await;

    // The calendar: the new company's obligations, on the list and in the month.
    admin
        .goto(&format!("{base}/calendar?who=all"))
        .await
        .unwrap();
    let page = wait_for_text(&admin, "Ndlovu Holdings (Pty) Ltd").await;
    assert!(page.contains("Annual return"), "{page}");
    judge(&admin, "calendar-list", 1280).await;
    click_css(&admin, "nav.segmented a[href^='/calendar?view=month']").await;
    wait_for_text(&admin, "Mon").await;
    judge(&admin, "calendar-month", 1280).await;

    // The filing summary prints.
    admin
        .goto(&format!("{base}/registrations/{registration}/summary"))
        .await
        .unwrap();
    wait_for_text(&admin, "Filing summary").await;
    judge(&admin, "filing-summary", 1280).await;
    admin.close().await.unwrap();
    agent.close().await.unwrap();
}
