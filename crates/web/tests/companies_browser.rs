//! Companies in a real browser: an administrator adds a client's existing company by hand (a
//! wrong registration number refused beside its field, in the practice's words), sees its
//! profile, appoints a director and shareholder, records a resignation; then, once the agency
//! has CIPC credentials (a stand-in speaking CIPC's HTTP), fills the form from CIPC by
//! enterprise number. The list, the profile and the form pass axe-core and are saved as
//! screenshots at 1280 and 375 px (`target/screenshots/*.png`).

use crate::sign_in_browser::sign_in;
use comply360_domain::IsolationMode;
use comply360_integrations::cipc::standin::{CipcStandIn, StandInConfig};
use comply360_testkit::browser::{browser_sized, chromedriver, click, fill, judge, wait_for_text};
use comply360_testkit::{TEST_PASSWORD, TestDb, spawn_app};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

/// Sets a date input's value directly: typing into one depends on the browser's locale.
async fn set_date(client: &Client, css: &str, value: &str) {
    client
        .execute(
            "document.querySelector(arguments[0]).value = arguments[1];",
            vec![json!(css), json!(value)],
        )
        .await
        .unwrap();
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

async fn value_of(client: &Client, id: &str) -> String {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_adds_a_company_appoints_a_director_records_a_resignation_and_prefills_from_cipc()
 {
    let Some((_driver, driver_port)) = chromedriver().await else {
        return;
    };
    let db = TestDb::new().await;
    db.tenant("karoo", IsolationMode::Schema).await;
    let app = spawn_app(db.store.clone()).await;
    app.create_user("karoo", "nomsa@karoo.example", "tenant_admin")
        .await;
    let admin = app.token_for("karoo", "tenant_admin").await;
    let api = reqwest::Client::new();
    let client_record: Value = api
        .post(app.url("/api/v1/clients"))
        .bearer_auth(&admin)
        .header("x-tenant", "karoo")
        .json(&json!({"kind": "person", "first_names": "Thandiwe", "surname": "Mokoena", "email": "thandiwe@karoo.example"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client_id = client_record["id"].as_str().unwrap().to_owned();
    let base = format!("http://karoo.localhost:{}", app.addr.port());

    let profile = tempfile::tempdir().unwrap();
    let b = browser_sized(driver_port, profile.path(), 1280, 900).await;
    b.goto(&format!("{base}/login")).await.unwrap();
    sign_in(&b, "nomsa@karoo.example", TEST_PASSWORD).await;
    wait_for_text(&b, "Dashboard").await;

    // The section is in the header; a new agency's list says what to do first.
    click(&b, "//nav//a[normalize-space()='Companies']").await;
    wait_for_text(&b, "No companies yet").await;
    judge(&b, "companies-empty", 1280).await;
    click(&b, "//main//a[normalize-space()='Add an existing company']").await;

    // No CIPC credentials: no lookup, and a sentence that says where to set them.
    wait_for_text(&b, "Fill from CIPC").await;
    let cipc = text_of(&b, ".cipc-lookup").await;
    assert!(cipc.contains("Settings → CIPC"), "{cipc}");
    assert!(
        b.find(Locator::XPath(
            "//button[normalize-space()='Look up on CIPC']"
        ))
        .await
        .is_err(),
        "no lookup without credentials"
    );

    // A wrong registration number: refused beside the field, what was typed kept.
    b.goto(&format!("{base}/companies/new?client={client_id}"))
        .await
        .unwrap();
    wait_for_text(&b, "Add a company").await;
    fill(&b, "name", "Karoo Sun Traders (Pty) Ltd").await;
    fill(&b, "registration_number", "2025/10020/07").await;
    set_date(&b, "#incorporated_on", "2025-03-28").await;
    fill(&b, "address_line1", "12 Long Street").await;
    fill(&b, "address_city", "Cape Town").await;
    fill(&b, "address_postal_code", "8001").await;
    click(&b, "//button[normalize-space()='Add company']").await;
    wait_for_text(&b, "Correct the fields marked below").await;
    let error = text_of(&b, "#registration_number-error").await;
    assert!(!error.is_empty(), "the number's error beside it");
    assert_eq!(value_of(&b, "name").await, "Karoo Sun Traders (Pty) Ltd");
    assert_eq!(value_of(&b, "client_id").await, client_id);
    judge(&b, "company-form-errors", 1280).await;

    // Corrected: the profile, with the notice.
    fill(&b, "registration_number", "2025/100200/07").await;
    click(&b, "//button[normalize-space()='Add company']").await;
    wait_for_text(&b, "Karoo Sun Traders (Pty) Ltd was added.").await;
    let details = text_of(&b, "dl.details").await;
    for expected in [
        "2025/100200/07",
        "Private company",
        "28 Mar 2025",
        "12 Long Street, Cape Town, 8001",
        "Thandiwe Mokoena",
    ] {
        assert!(details.contains(expected), "{expected} in {details}");
    }
    let company_url = b.current_url().await.unwrap().to_string();

    // Appoint a director who holds shares; a missing role and a bad ID are refused first.
    click(&b, "//summary[normalize-space()='Appoint a person']").await;
    fill(&b, "full_name", "Naledi Khumalo").await;
    fill(&b, "id_number", "8506150123088").await;
    fill(&b, "shares", "100").await;
    click(&b, "//button[normalize-space()='Appoint']").await;
    wait_for_text(&b, "Correct the fields marked below").await;
    assert!(
        text_of(&b, "#roles-error")
            .await
            .contains("at least one role")
    );
    assert!(!text_of(&b, "#id_number-error").await.is_empty());
    fill(&b, "id_number", "8506150123089").await;
    click(&b, "//input[@name='roles' and @value='director']").await;
    click(&b, "//input[@name='roles' and @value='shareholder']").await;
    click(&b, "//button[normalize-space()='Appoint']").await;
    wait_for_text(&b, "Naledi Khumalo was added.").await;
    // A second director, who then resigns.
    click(&b, "//summary[normalize-space()='Appoint a person']").await;
    fill(&b, "full_name", "Pieter van der Merwe").await;
    fill(&b, "id_number", "8001015009087").await;
    click(&b, "//input[@name='roles' and @value='director']").await;
    click(&b, "//button[normalize-space()='Appoint']").await;
    wait_for_text(&b, "Pieter van der Merwe was added.").await;
    let people = text_of(&b, "table.people").await;
    assert!(people.contains("Naledi Khumalo") && people.contains("Pieter van der Merwe"));
    assert!(text_of(&b, "#shares-h + table").await.contains("100.00%"));

    let row = "//table[contains(@class,'people')]//tr[contains(., 'Pieter van der Merwe')]";
    click(&b, &format!("{row}//summary")).await;
    // The date offered is today (SAST), the usual case; the practice records it as given.
    let today = (chrono::Utc::now() + chrono::Duration::hours(2)).date_naive();
    click(
        &b,
        &format!("{row}//button[normalize-space()='Record resignation']"),
    )
    .await;
    wait_for_text(&b, &format!("resignation on {today} was recorded")).await;
    let resigned = text_of(&b, "#resigned-h + table").await;
    assert!(
        resigned.contains("Pieter van der Merwe")
            && resigned.contains(&today.format("%-d %b %Y").to_string()),
        "{resigned}"
    );
    assert!(
        !text_of(&b, "table.people")
            .await
            .contains("Pieter van der Merwe")
    );
    let history = text_of(&b, "ol.timeline").await;
    assert!(
        history.contains("person resigned") && history.contains("person added"),
        "{history}"
    );
    judge(&b, "company-profile", 1280).await;

    // Linked from the client's page; found in the list by its number.
    b.goto(&format!("{base}/clients/{client_id}"))
        .await
        .unwrap();
    click(
        &b,
        "//main//a[normalize-space()='Karoo Sun Traders (Pty) Ltd']",
    )
    .await;
    wait_for_text(&b, "Shareholdings").await;
    b.goto(&format!("{base}/companies?q=2025%2F100200%2F07"))
        .await
        .unwrap();
    wait_for_text(&b, "Karoo Sun Traders").await;
    let rows = b
        .find_all(Locator::Css("#company-rows tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    judge(&b, "companies-list", 1280).await;

    // The agency sets its CIPC credentials: the form now looks companies up.
    let standin = CipcStandIn::start(StandInConfig::default()).await.unwrap();
    let creds = standin.credentials();
    let res = api
        .put(app.url("/api/v1/integrations/cipc"))
        .bearer_auth(&admin)
        .header("x-tenant", "karoo")
        .json(
            &json!({"base_url": standin.base_url().to_string(), "client_id": creds.client_id,
            "username": creds.username, "password": creds.password,
            "subscription_key": creds.subscription_key, "scope": creds.scope}),
        )
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());

    b.goto(&format!("{base}/companies/new?client={client_id}"))
        .await
        .unwrap();
    // An unknown number: CIPC's answer beside the field.
    fill(&b, "enterprise_number", "2019/000001/07").await;
    click(&b, "//button[normalize-space()='Look up on CIPC']").await;
    wait_for_text(&b, "Fill from CIPC").await;
    assert!(!text_of(&b, "#enterprise_number-error").await.is_empty());
    fill(&b, "enterprise_number", "K2015/255566/07").await;
    click(&b, "//button[normalize-space()='Look up on CIPC']").await;
    wait_for_text(&b, "Filled from CIPC").await;
    assert_eq!(
        value_of(&b, "name").await,
        "Karoo Sunlight Traders (Pty) Ltd"
    );
    assert_eq!(value_of(&b, "registration_number").await, "2015/255566/07");
    assert_eq!(value_of(&b, "incorporated_on").await, "2015-08-14");
    assert_eq!(value_of(&b, "client_id").await, client_id);
    let directors = text_of(&b, "ul.directors").await;
    assert!(
        directors.contains("Thandiwe Mokoena") && !directors.contains("Sipho Dlamini"),
        "{directors}"
    );
    judge(&b, "company-form", 1280).await;
    click(&b, "//button[normalize-space()='Add company']").await;
    wait_for_text(&b, "Karoo Sunlight Traders (Pty) Ltd was added.").await;
    let people = text_of(&b, "table.people").await;
    assert!(
        people.contains("Thandiwe Mokoena") && people.contains("Pieter van der Merwe"),
        "{people}"
    );
    b.close().await.unwrap();

    // At phone width: the list, a profile and the prefilled form.
    let profile = tempfile::tempdir().unwrap();
    let b = browser_sized(driver_port, profile.path(), 375, 800).await;
    b.goto(&format!("{base}/login")).await.unwrap();
    sign_in(&b, "nomsa@karoo.example", TEST_PASSWORD).await;
    wait_for_text(&b, "Dashboard").await;
    b.goto(&format!("{base}/companies")).await.unwrap();
    wait_for_text(&b, "Karoo Sunlight Traders").await;
    judge(&b, "companies-list", 375).await;
    b.goto(&company_url).await.unwrap();
    wait_for_text(&b, "Resignations").await;
    judge(&b, "company-profile", 375).await;
    b.goto(&format!(
        "{base}/companies/new?client={client_id}&enterprise_number=K2015%2F255566%2F07"
    ))
    .await
    .unwrap();
    wait_for_text(&b, "Filled from CIPC").await;
    judge(&b, "company-form", 375).await;
    b.close().await.unwrap();
}
