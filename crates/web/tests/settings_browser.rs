//! Agency settings in a real browser. An administrator opens Settings, invites a colleague
//! (a wrong email refused beside the field), makes a custom role and gives it to them, requires
//! two-step verification of everyone, sets the brand colour (the next page's
//! `/assets/brand.css` has it), makes an API key and sees it once (a reload no longer shows
//! it), and saves the CIPC credentials (never shown back). The invitee opens the link from
//! the mailbox, chooses a password, is made to set up two-step verification at sign-in, and
//! later signs in with password and code. Every settings page passes axe-core and is saved as
//! a screenshot at 1280 and 375 px.

use crate::sign_in_browser::sign_in;
use crate::support::{emailed_link, now};
use comply360_domain::IsolationMode;
use comply360_identity::totp::Totp;
use comply360_testkit::browser::{
    browser_sized, chromedriver, click, fill, judge, press, wait_for_text,
};
use comply360_testkit::{TEST_PASSWORD, TestDb, spawn_app};
use fantoccini::{Client, Locator};

async fn source(client: &Client) -> String {
    client.source().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_invites_a_colleague_who_sets_up_two_step_verification_and_signs_in() {
    let Some((_driver, driver_port)) = chromedriver().await else {
        return;
    };
    let db = TestDb::new().await;
    db.tenant("kloof", IsolationMode::Schema).await;
    let app = spawn_app(db.store.clone()).await;
    app.create_user("kloof", "nomsa@kloof.example", "tenant_admin")
        .await;
    let base = format!("http://kloof.localhost:{}", app.addr.port());
    let width = 1280;
    let profile = tempfile::tempdir().unwrap();
    let admin = browser_sized(driver_port, profile.path(), width, 900).await;

    admin.goto(&format!("{base}/login")).await.unwrap();
    sign_in(&admin, "nomsa@kloof.example", TEST_PASSWORD).await;
    wait_for_text(&admin, "Dashboard").await;
    click(
        &admin,
        "//nav[@aria-label='Sections']//a[normalize-space()='Settings']",
    )
    .await;
    wait_for_text(&admin, "Invite someone").await;
    judge(&admin, "users-new-agency", width).await;

    // Roles: none of the agency's own yet; a filing clerk made from the permission list.
    click(
        &admin,
        "//nav[@aria-label='Settings pages']//a[normalize-space()='Roles']",
    )
    .await;
    wait_for_text(&admin, "No roles of your own yet").await;
    judge(&admin, "roles-empty", width).await;
    click(&admin, "//main//a[normalize-space()='Make a role']").await;
    wait_for_text(&admin, "What people with this role may do").await;
    press(&admin, "Create role").await;
    wait_for_text(&admin, "must be 2–40 characters").await;
    judge(&admin, "role-form-errors", width).await;
    fill(&admin, "name", "Filing clerk").await;
    click(&admin, "//input[@value='clients:read']").await;
    click(&admin, "//input[@value='registrations:read']").await;
    click(&admin, "//input[@value='registrations:draft']").await;
    press(&admin, "Create role").await;
    wait_for_text(&admin, "The role Filing clerk is saved").await;
    judge(&admin, "roles", width).await;

    // Users: a wrong email beside its field; then the invitation, with the new role.
    click(
        &admin,
        "//nav[@aria-label='Settings pages']//a[normalize-space()='Users']",
    )
    .await;
    wait_for_text(&admin, "Invite someone").await;
    fill(&admin, "email", "lerato@").await;
    press(&admin, "Send invitation").await;
    wait_for_text(&admin, "Correct the fields marked below").await;
    let error = admin
        .find(Locator::Id("email-error"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(error.contains("must be an email address"), "{error}");
    judge(&admin, "users-invite-errors", width).await;
    fill(&admin, "email", "lerato@kloof.example").await;
    fill(&admin, "full_name", "Lerato Mokoena").await;
    admin
        .find(Locator::Css("#role option[value='filing_clerk']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    press(&admin, "Send invitation").await;
    wait_for_text(&admin, "Invitation sent to lerato@kloof.example").await;
    let row = wait_for_text(&admin, "Lerato Mokoena").await;
    assert!(row.contains("invited"), "{row}");
    judge(&admin, "users", width).await;

    // Security: everyone must use two-step verification.
    click(
        &admin,
        "//nav[@aria-label='Settings pages']//a[normalize-space()='Security']",
    )
    .await;
    wait_for_text(&admin, "Who must use two-step verification").await;
    click(&admin, "//input[@id='mfa-all']").await;
    press(&admin, "Save security settings").await;
    wait_for_text(&admin, "Everyone must use two-step verification").await;
    judge(&admin, "security", width).await;

    // Branding: the colour applies from the next page on.
    click(
        &admin,
        "//nav[@aria-label='Settings pages']//a[normalize-space()='Branding']",
    )
    .await;
    wait_for_text(&admin, "Name shown to clients").await;
    fill(&admin, "primary_color", "not a colour").await;
    press(&admin, "Save branding").await;
    wait_for_text(&admin, "must be a colour in hex").await;
    judge(&admin, "branding-errors", width).await;
    fill(&admin, "primary_color", "#0b7a3e").await;
    press(&admin, "Save branding").await;
    wait_for_text(&admin, "Branding saved").await;
    judge(&admin, "branding", width).await;
    let brand = admin
        .execute(
            "return getComputedStyle(document.documentElement).getPropertyValue('--brand').trim();",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        brand.as_str(),
        Some("#0b7a3e"),
        "the next page has the colour"
    );
    admin
        .goto(&format!("{base}/assets/brand.css"))
        .await
        .unwrap();
    wait_for_text(&admin, "--brand:#0b7a3e").await;

    // API keys: the key shown once; a reload no longer shows it.
    admin
        .goto(&format!("{base}/settings/api-keys"))
        .await
        .unwrap();
    wait_for_text(&admin, "No API keys").await;
    judge(&admin, "api-keys-empty", width).await;
    fill(&admin, "name", "Odoo sync").await;
    click(&admin, "//input[@value='clients:read']").await;
    press(&admin, "Make the key").await;
    wait_for_text(&admin, "it is shown only this once").await;
    let key = admin
        .find(Locator::Id("new-key"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert!(key.starts_with("c360_"), "{key}");
    judge(&admin, "api-key-created", width).await;
    admin
        .goto(&format!("{base}/settings/api-keys"))
        .await
        .unwrap();
    wait_for_text(&admin, "Odoo sync").await;
    assert!(!source(&admin).await.contains(&key), "shown once only");
    judge(&admin, "api-keys", width).await;

    // CIPC: not set up; set; the secrets never come back.
    click(
        &admin,
        "//nav[@aria-label='Settings pages']//a[normalize-space()='CIPC']",
    )
    .await;
    wait_for_text(&admin, "Not set up").await;
    judge(&admin, "cipc-empty", width).await;
    fill(&admin, "client_id", "kloof-agency").await;
    fill(&admin, "username", "filings@kloof.example").await;
    fill(&admin, "password", "cipc-Portal-pass-91").await;
    fill(&admin, "subscription_key", "8f14e45fceea167a").await;
    press(&admin, "Save the CIPC credentials").await;
    wait_for_text(&admin, "Credentials set on").await;
    let page = source(&admin).await;
    assert!(!page.contains("cipc-Portal-pass-91") && !page.contains("8f14e45fceea167a"));
    judge(&admin, "cipc", width).await;

    // The invitee: the link from the mailbox, a password, two-step verification at sign-in.
    let link = emailed_link(&app, "kloof", "invitation", "lerato@kloof.example").await;
    let path = &link[link
        .find("/accept-invitation")
        .expect("the invitation path")..];
    let fresh = tempfile::tempdir().unwrap();
    let invitee = browser_sized(driver_port, fresh.path(), width, 900).await;
    invitee.goto(&format!("{base}{path}")).await.unwrap();
    wait_for_text(&invitee, "Choose a password to finish").await;
    let password = "correct horse battery staple 7";
    fill(&invitee, "password", password).await;
    fill(&invitee, "confirm", password).await;
    press(&invitee, "Create my account").await;
    wait_for_text(&invitee, "Your account is ready").await;
    sign_in(&invitee, "lerato@kloof.example", password).await;
    wait_for_text(&invitee, "requires a second step").await;
    let secret = invitee
        .find(Locator::Css("code.secret"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let raw = totp_rs::Secret::try_from_base32(secret.trim()).unwrap();
    let totp = Totp::new(raw.as_bytes()).unwrap();
    fill(&invitee, "code", &totp.code_at(now())).await;
    press(&invitee, "Turn on two-step verification").await;
    wait_for_text(&invitee, "Save these recovery codes").await;
    click(
        &invitee,
        "//main//a[normalize-space()='I have saved them, continue']",
    )
    .await;
    let home = wait_for_text(&invitee, "Dashboard").await;
    // The custom role: clients, but no settings.
    assert!(
        home.contains("Clients") && !home.contains("Settings"),
        "{home}"
    );
    invitee
        .goto(&format!("{base}/settings/users"))
        .await
        .unwrap();
    wait_for_text(&invitee, "Not permitted").await;

    // Signed out, then in again with password and code.
    invitee.goto(&format!("{base}/")).await.unwrap();
    click(
        &invitee,
        "//details[contains(@class,'account-menu')]/summary",
    )
    .await;
    click(&invitee, "//button[normalize-space()='Sign out']").await;
    wait_for_text(&invitee, "You are signed out").await;
    sign_in(&invitee, "lerato@kloof.example", password).await;
    wait_for_text(&invitee, "Enter the 6-digit code").await;
    fill(&invitee, "code", &totp.code_at(now() + 30)).await;
    press(&invitee, "Verify").await;
    wait_for_text(&invitee, "Dashboard").await;

    // The administrator sees her as active, with two-step verification on.
    admin.goto(&format!("{base}/settings/users")).await.unwrap();
    let list = wait_for_text(&admin, "Lerato Mokoena").await;
    assert!(list.contains("active") && list.contains("on"), "{list}");
    invitee.close().await.unwrap();
    admin.close().await.unwrap();
}

/// Every settings page at phone width (375 px), with something on each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_settings_page_reads_well_on_a_phone() {
    let Some((_driver, driver_port)) = chromedriver().await else {
        return;
    };
    let db = TestDb::new().await;
    db.tenant("phone", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    let admin_id = app
        .create_user("phone", "nomsa@phone.example", "tenant_admin")
        .await;
    let tenant = app.store.tenancy().resolve("phone").await.unwrap();
    let identity = &app.state.identity;
    let client = comply360_identity::ClientInfo::default();
    identity
        .put_role(
            &tenant,
            admin_id,
            "filing_clerk",
            "Filing clerk",
            &["clients:read".into(), "registrations:draft".into()],
            &client,
        )
        .await
        .unwrap();
    identity
        .invite(
            &tenant,
            Some(admin_id),
            "lerato@phone.example",
            "filing_clerk",
            Some("Lerato Mokoena"),
            &client,
        )
        .await
        .unwrap();
    app.create_user("phone", "sipho@phone.example", "agent")
        .await;
    identity
        .create_api_key(
            &tenant,
            admin_id,
            "tenant_admin",
            "Odoo sync",
            &["clients:read".into()],
            None,
            &client,
        )
        .await
        .unwrap();
    let base = format!("http://phone.localhost:{}", app.addr.port());
    let width = 375;
    let profile = tempfile::tempdir().unwrap();
    let phone = browser_sized(driver_port, profile.path(), width, 900).await;
    phone.goto(&format!("{base}/login")).await.unwrap();
    sign_in(&phone, "nomsa@phone.example", TEST_PASSWORD).await;
    wait_for_text(&phone, "Dashboard").await;
    for (path, name, text) in [
        ("/settings/users", "users", "Lerato Mokoena"),
        ("/settings/roles", "roles", "Filing clerk"),
        (
            "/settings/roles/new",
            "role-form",
            "What people with this role may do",
        ),
        (
            "/settings/security",
            "security",
            "Who must use two-step verification",
        ),
        ("/settings/branding", "branding", "Name shown to clients"),
        ("/settings/api-keys", "api-keys", "Odoo sync"),
        ("/settings/cipc", "cipc", "Not set up"),
    ] {
        phone.goto(&format!("{base}{path}")).await.unwrap();
        wait_for_text(&phone, text).await;
        judge(&phone, name, width).await;
    }
    phone.close().await.unwrap();
}
