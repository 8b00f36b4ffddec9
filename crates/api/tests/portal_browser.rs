//! The portal's sign-in in a real browser (headless Chromium through chromedriver): a person
//! signs in, sees a wrong password refused, signs out; and a form on another site that posts
//! to our sign-in is refused (no CSRF token, the Strict cookie not sent).

use crate::support::browser::{browser, chromedriver};
use comply360_domain::IsolationMode;
use comply360_testkit::{TEST_PASSWORD, TestDb, spawn_app};
use fantoccini::Locator;
use std::time::{Duration, Instant};

/// The page's text once it contains `needle` (pages change under us after a click, so a
/// read may find a stale document: it is simply read again).
async fn wait_for_text(client: &fantoccini::Client, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut text = String::new();
    while Instant::now() < deadline {
        if let Ok(body) = client.find(Locator::Css("body")).await
            && let Ok(t) = body.text().await
        {
            text = t;
            if text.contains(needle) {
                return text;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{needle:?} never appeared; the page says: {text}");
}

async fn sign_in(client: &fantoccini::Client, email: &str, password: &str) {
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
        .find(Locator::Css("button[type=submit]"))
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

    // The right one: the home page greets the person.
    client.goto(&format!("{base}/login")).await.unwrap();
    sign_in(&client, "palesa@browse.example", TEST_PASSWORD).await;
    wait_for_text(&client, "Signed in as palesa@browse.example (agent)").await;
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
    wait_for_text(&client, "Signed in as palesa@browse.example").await;

    // Sign out: back to the form, and the home page now sends to sign-in.
    client
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "Password").await;
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
