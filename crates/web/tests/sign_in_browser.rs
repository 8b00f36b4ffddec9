//! Signing in and out in a real browser (headless Chromium through chromedriver): a wrong
//! password refused beside the form, the right one signs in, the session cookie unreadable by
//! scripts, another site's form posting to our sign-in refused, signing out.

use comply360_domain::IsolationMode;
use comply360_testkit::browser::{browser, chromedriver, wait_for_text};
use comply360_testkit::{TEST_PASSWORD, TestDb, spawn_app};
use fantoccini::Locator;

pub async fn sign_in(client: &fantoccini::Client, email: &str, password: &str) {
    client
        .find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    client
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    client
        .find(Locator::Css("main button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_signs_in_and_out_in_a_real_browser_and_cross_site_posts_are_refused() {
    let Some((_driver, driver_port)) = chromedriver().await else {
        return;
    };
    let db = TestDb::new().await;
    db.tenant("browse", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    app.create_user("browse", "palesa@browse.example", "agent")
        .await;
    let base = format!("http://browse.localhost:{}", app.addr.port());
    let profile = tempfile::tempdir().unwrap();
    let client = browser(driver_port, profile.path()).await;

    // A wrong password: the page says so and stays on the form.
    client.goto(&format!("{base}/login")).await.unwrap();
    assert!(client.title().await.unwrap().contains("Agency browse"));
    sign_in(&client, "palesa@browse.example", "not-the-password").await;
    wait_for_text(&client, "email or password is wrong").await;

    // The right one: the dashboard, with the person in the header.
    client.goto(&format!("{base}/login")).await.unwrap();
    sign_in(&client, "palesa@browse.example", TEST_PASSWORD).await;
    wait_for_text(&client, "Dashboard").await;
    let who = client
        .find(Locator::Css(".account-menu summary"))
        .await
        .unwrap();
    assert!(
        who.html(false)
            .await
            .unwrap()
            .contains("palesa@browse.example")
    );
    // The session cookie is not readable by scripts.
    let visible: serde_json::Value = client
        .execute("return document.cookie", vec![])
        .await
        .unwrap();
    assert!(
        !visible.as_str().unwrap_or("").contains("c360_access"),
        "{visible}"
    );

    // Another site's page that posts to our sign-in (the CSRF attack), served from another
    // origin: refused, and the person is still signed in as before.
    let evil = format!(
        "data:text/html,<form id=f method=post action='{base}/login'><input name=email value=palesa@browse.example><input name=password value='{TEST_PASSWORD}'></form><script>document.getElementById('f').submit()</script>"
    );
    client.goto(&evil).await.unwrap();
    wait_for_text(&client, "did not come from this site").await;
    client.goto(&format!("{base}/")).await.unwrap();
    wait_for_text(&client, "Dashboard").await;

    // Sign out from the account menu: back to the form, and the dashboard now sends there.
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
    client.goto(&format!("{base}/")).await.unwrap();
    wait_for_text(&client, "Password").await;
    assert!(
        client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .ends_with("/login")
    );
    client.close().await.unwrap();
}
