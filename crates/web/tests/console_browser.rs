//! The platform console in a real browser (the Must-show flow): an operator signs in on the
//! console, creates an agency in each isolation mode through the form, and each agency's
//! administrator opens the invitation from their email, chooses a password and signs in on
//! the agency's own address. On the way: a refused form, suspension, a failed provisioning
//! resumed, a dead letter retried, the audit log and a key rotation. Every console page passes
//! axe-core and is saved at 1280 and 375 px (`target/screenshots/console-*.png`).

use crate::console::{half_provisioned, kill_jobs, operator};
use crate::sign_in_browser::sign_in;
use crate::support::emailed_link;
use comply360_testkit::browser::{browser_sized, chromedriver, click, fill, press, wait_for_text};
use comply360_testkit::{TEST_PASSWORD, TestApp, TestDb, spawn_app};
use fantoccini::{Client, Locator};

/// Checks the page with axe-core and saves it as `console-<name>-<width>.png`.
/// The console's screenshots are named `console-<page>-<width>.png`.
async fn judge(client: &Client, name: &str, width: u32) {
    comply360_testkit::browser::judge(client, &format!("console-{name}"), width).await;
}

/// Creates an agency through the console's form; the agency's page says it is ready.
async fn create_agency(client: &Client, slug: &str, mode: &str, tier: &str, email: &str) {
    click(client, "//main//a[normalize-space()='New agency']").await;
    wait_for_text(client, "Isolation").await;
    fill(
        client,
        "name",
        &format!("{} Corporate Services", capitalised(slug)),
    )
    .await;
    fill(client, "slug", slug).await;
    click(client, &format!("//input[@name='mode'][@value='{mode}']")).await;
    client
        .find(Locator::Css(&format!("#tier option[value='{tier}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(client, "admin_email", email).await;
    press(client, "Create agency").await;
    wait_for_text(client, "was sent an invitation").await;
}

fn capitalised(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The administrator's first visit: the invitation, a password, signing in on the agency.
async fn administrator_signs_in(app: &TestApp, driver: u16, slug: &str, email: &str) {
    let link = emailed_link(app, slug, "invitation", email).await;
    let path = &link[link
        .find("/accept-invitation")
        .expect("the invitation path")..];
    let base = format!("http://{slug}.localhost:{}", app.addr.port());
    let profile = tempfile::tempdir().unwrap();
    let admin = browser_sized(driver, profile.path(), 1280, 900).await;
    admin.goto(&format!("{base}{path}")).await.unwrap();
    wait_for_text(&admin, "Choose a password to finish").await;
    let password = "Baobab-Sunrise-Kettle-2031";
    fill(&admin, "full_name", "First Administrator").await;
    fill(&admin, "password", password).await;
    fill(&admin, "confirm", password).await;
    press(&admin, "Create my account").await;
    wait_for_text(&admin, "Your account is ready").await;
    sign_in(&admin, email, password).await;
    wait_for_text(&admin, "Dashboard").await;
    let url = admin.current_url().await.unwrap();
    assert_eq!(url.host_str(), Some(format!("{slug}.localhost").as_str()));
    let title = admin.title().await.unwrap();
    assert!(title.contains("Corporate Services"), "{title}");
    admin.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_creates_an_agency_in_each_mode_and_its_administrator_signs_in() {
    let Some((_driver, driver_port)) = chromedriver().await else {
        return;
    };
    let db = TestDb::new().await;
    let app = spawn_app(db.store.clone()).await;
    operator(&app, "root@c360.example", "super_admin").await;
    let console = format!("http://localhost:{}", app.addr.port());

    let profile = tempfile::tempdir().unwrap();
    let client = browser_sized(driver_port, profile.path(), 1280, 900).await;
    client.goto(&format!("{console}/login")).await.unwrap();
    wait_for_text(&client, "Comply360 console").await;
    sign_in(&client, "root@c360.example", TEST_PASSWORD).await;
    wait_for_text(&client, "No agencies yet").await;
    judge(&client, "agencies-empty", 1280).await;
    client
        .goto(&format!("{console}/dead-letters"))
        .await
        .unwrap();
    wait_for_text(&client, "No dead letters").await;
    judge(&client, "dead-letters-empty", 1280).await;
    client.goto(&format!("{console}/agencies")).await.unwrap();

    // A refused form first: the errors beside their fields.
    click(
        &client,
        "//main//a[normalize-space()='Create the first agency']",
    )
    .await;
    wait_for_text(&client, "Isolation").await;
    judge(&client, "agency-form", 1280).await;
    fill(&client, "name", "Broken").await;
    fill(&client, "slug", "admin").await;
    fill(&client, "admin_email", "nobody@").await;
    press(&client, "Create agency").await;
    wait_for_text(&client, "Correct the fields marked below").await;
    wait_for_text(&client, "reserved by the platform").await;
    judge(&client, "agency-form-errors", 1280).await;
    client.goto(&format!("{console}/agencies")).await.unwrap();

    // One agency per isolation mode, each administrator signing in on its own address.
    for (slug, mode, tier) in [
        ("acacia", "pooled", "starter"),
        ("baobab", "schema", "professional"),
        ("cedar", "database", "enterprise"),
    ] {
        let email = format!("admin@{slug}.example");
        create_agency(&client, slug, mode, tier, &email).await;
        let text = wait_for_text(&client, "Provisioning").await;
        assert!(text.contains(&format!("{mode}:")), "{text}");
        if slug == "cedar" {
            judge(&client, "agency", 1280).await;
        }
        administrator_signs_in(&app, driver_port, slug, &email).await;
        client.goto(&format!("{console}/agencies")).await.unwrap();
    }

    // Suspend (confirmed in the dialog) and reactivate.
    click(
        &client,
        "//main//a[normalize-space()='Acacia Corporate Services']",
    )
    .await;
    press(&client, "Suspend").await;
    client.accept_alert().await.unwrap();
    wait_for_text(&client, "is suspended").await;
    judge(&client, "agency-suspended", 1280).await;
    press(&client, "Reactivate").await;
    wait_for_text(&client, "is active again").await;

    // A provisioning that stopped, resumed from its page.
    half_provisioned(&app, "dune").await;
    client.goto(&format!("{console}/agencies")).await.unwrap();
    wait_for_text(&client, "Agency dune").await;
    judge(&client, "agencies", 1280).await;
    click(&client, "//main//a[normalize-space()='Agency dune']").await;
    wait_for_text(&client, "stopped here").await;
    judge(&client, "agency-failed", 1280).await;
    press(&client, "Resume provisioning").await;
    wait_for_text(&client, "is ready").await;

    // A dead letter, retried.
    assert!(kill_jobs(&app, "baobab").await > 0);
    client
        .goto(&format!("{console}/dead-letters"))
        .await
        .unwrap();
    wait_for_text(&client, "554 relay refused").await;
    judge(&client, "dead-letters", 1280).await;
    click(
        &client,
        "(//main//button[starts-with(normalize-space(), 'Retry')])[1]",
    )
    .await;
    wait_for_text(&client, "queued again").await;

    client.goto(&format!("{console}/audit")).await.unwrap();
    wait_for_text(&client, "tenant.provisioned").await;
    judge(&client, "audit", 1280).await;

    client
        .goto(&format!("{console}/signing-keys"))
        .await
        .unwrap();
    wait_for_text(&client, "Rotate now").await;
    press(&client, "Rotate now").await;
    client.accept_alert().await.unwrap();
    wait_for_text(&client, "signs new tokens from now on").await;
    judge(&client, "signing-keys", 1280).await;
    client.goto(&format!("{console}/holidays")).await.unwrap();
    wait_for_text(&client, "local government elections").await;
    judge(&client, "holidays", 1280).await;
    client.close().await.unwrap();

    // The same pages on a phone.
    let profile = tempfile::tempdir().unwrap();
    let phone = browser_sized(driver_port, profile.path(), 375, 900).await;
    phone.goto(&format!("{console}/login")).await.unwrap();
    sign_in(&phone, "root@c360.example", TEST_PASSWORD).await;
    wait_for_text(&phone, "Cedar Corporate Services").await;
    judge(&phone, "agencies", 375).await;
    // A dead letter again, so the phone shows one with its retry button.
    assert!(kill_jobs(&app, "cedar").await > 0);
    for (path, needle, name) in [
        ("/agencies/new", "Isolation", "agency-form"),
        ("/agencies/cedar", "Provisioning", "agency"),
        ("/dead-letters", "554 relay refused", "dead-letters"),
        ("/audit", "tenant.provisioned", "audit"),
        ("/signing-keys", "Rotate now", "signing-keys"),
        ("/holidays", "local government elections", "holidays"),
    ] {
        phone.goto(&format!("{console}{path}")).await.unwrap();
        wait_for_text(&phone, needle).await;
        judge(&phone, name, 375).await;
    }
    phone.close().await.unwrap();
}
