//! One's account in a real browser: an invitee opens the link from their invitation email,
//! chooses a password (two that differ refused beside the field), sets up two-step
//! verification from the QR page with a code, sees the recovery codes once, and signs in again
//! with password and code. A forgotten password's page answers the same whoever asks. Every
//! page passes axe-core and is saved as a screenshot.

use crate::sign_in_browser::sign_in;
use crate::support::{emailed_link, now};
use comply360_domain::IsolationMode;
use comply360_identity::totp::Totp;
use comply360_testkit::browser::{browser_sized, chromedriver, fill, press, wait_for_text};
use comply360_testkit::{TestDb, spawn_app};
use fantoccini::{Client, Locator};
use serde_json::json;

async fn judge(client: &Client, name: &str) {
    comply360_testkit::browser::judge(client, name, 1280).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitee_chooses_a_password_sets_up_two_step_verification_and_signs_in_with_a_code() {
    let Some((_driver, driver_port)) = chromedriver().await else {
        return;
    };
    let db = TestDb::new().await;
    db.tenant("invite", IsolationMode::Database).await;
    let app = spawn_app(db.store.clone()).await;
    let admin = app.token_for("invite", "tenant_admin").await;
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/users"))
        .bearer_auth(&admin)
        .header("x-tenant", "invite")
        .json(&json!({"email": "lerato@invite.example", "role": "agent"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let link = emailed_link(&app, "invite", "invitation", "lerato@invite.example").await;
    // The link names the portal's configured address; the path and token are what matter.
    let path = &link[link
        .find("/accept-invitation")
        .expect("the invitation path")..];
    let base = format!("http://invite.localhost:{}", app.addr.port());

    let profile = tempfile::tempdir().unwrap();
    let client = browser_sized(driver_port, profile.path(), 1280, 900).await;
    client.goto(&format!("{base}{path}")).await.unwrap();
    wait_for_text(&client, "Choose a password to finish").await;
    judge(&client, "accept-invitation").await;
    let password = "correct horse battery staple 7";
    fill(&client, "full_name", "Lerato Mokoena").await;
    fill(&client, "password", password).await;
    fill(&client, "confirm", "something else entirely").await;
    press(&client, "Create my account").await;
    wait_for_text(&client, "the two passwords are not the same").await;
    fill(&client, "password", password).await;
    fill(&client, "confirm", password).await;
    press(&client, "Create my account").await;
    wait_for_text(&client, "Your account is ready").await;

    sign_in(&client, "lerato@invite.example", password).await;
    wait_for_text(&client, "Dashboard").await;
    client.goto(&format!("{base}/account")).await.unwrap();
    wait_for_text(&client, "Two-step verification").await;
    judge(&client, "account").await;
    press(&client, "Set up two-step verification").await;
    wait_for_text(&client, "Scan this code").await;
    judge(&client, "mfa-enrol").await;
    let secret = client
        .find(Locator::Css("code.secret"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let raw = totp_rs::Secret::try_from_base32(secret.trim()).unwrap();
    let totp = Totp::new(raw.as_bytes()).unwrap();
    fill(&client, "code", "000000").await;
    press(&client, "Turn on two-step verification").await;
    wait_for_text(&client, "wrong").await;
    fill(&client, "code", &totp.code_at(now())).await;
    press(&client, "Turn on two-step verification").await;
    wait_for_text(&client, "Save these recovery codes").await;
    let codes = client.find_all(Locator::Css("ul.codes li")).await.unwrap();
    assert_eq!(codes.len(), 10);
    judge(&client, "recovery-codes").await;

    // Signed out, then in again: password, then the code.
    client
        .find(Locator::Css(".account-menu summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .find(Locator::XPath("//button[normalize-space()='Sign out']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "You are signed out").await;
    sign_in(&client, "lerato@invite.example", password).await;
    wait_for_text(&client, "Enter the 6-digit code").await;
    judge(&client, "mfa-step").await;
    fill(&client, "code", &totp.code_at(now() + 30)).await;
    press(&client, "Verify").await;
    wait_for_text(&client, "Dashboard").await;

    // A forgotten password: the same answer for an address with no account.
    client.goto(&format!("{base}/logout")).await.unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let other = browser_sized(driver_port, fresh.path(), 1280, 900).await;
    other.goto(&format!("{base}/forgot")).await.unwrap();
    judge(&other, "forgot-password").await;
    fill(&other, "email", "nobody@invite.example").await;
    press(&other, "Send the link").await;
    wait_for_text(&other, "If nobody@invite.example has an account").await;
    other.close().await.unwrap();
    client.close().await.unwrap();
}
