//! Lists longer than a page: the clients list and the calendar offer the next page, and the
//! next page opens (a page's links are rendered with the filters and cursor encoded).

use crate::support::Visitor;
use comply360_domain::IsolationMode;
use comply360_testkit::{TestDb, spawn_app};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_next_page_is_offered_and_opens() {
    let db = TestDb::new().await;
    db.tenant("pages", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    app.create_user("pages", "sam@pages.example", "tenant_admin")
        .await;
    let token = app.login("pages", "sam@pages.example").await;
    let api = reqwest::Client::new();
    let today = chrono::Utc::now().date_naive();
    for i in 0..30 {
        let client: serde_json::Value = api
            .post(app.url("/api/v1/clients"))
            .bearer_auth(&token)
            .header("x-tenant", "pages")
            .json(&json!({"kind": "organisation", "display_name": format!("Paging Client {i:02}")}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if i < 4 {
            // A few companies two to three years old, so the calendar has obligations to show.
            let res = api
                .post(app.url("/api/v1/companies"))
                .bearer_auth(&token)
                .header("x-tenant", "pages")
                .json(&json!({"client_id": client["id"], "company_type": "private_company", "name": format!("Paging Co {i} (Pty) Ltd"), "incorporated_on": today - chrono::Duration::days(800 + i * 30)}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::CREATED);
        }
    }
    let mut v = Visitor::new(&app, "pages");
    v.sign_in("sam@pages.example").await;
    let first = v.get("/clients").await;
    assert_eq!(first.status, StatusCode::OK);
    let at = first.body.find("cursor=").expect("a next page link");
    let href_start = first.body[..at].rfind("href=\"").unwrap() + 6;
    let href_end = href_start + first.body[href_start..].find('"').unwrap();
    let next = first.body[href_start..href_end]
        .replace("&amp;", "&")
        .replace("&#x2f;", "/");
    let second = v.get(&next).await;
    assert_eq!(second.status, StatusCode::OK, "{next}");
    let shown = |body: &str| {
        (0..30)
            .filter(|i| body.contains(&format!("Paging Client {i:02}")))
            .count()
    };
    assert_eq!(
        shown(&first.body) + shown(&second.body),
        30,
        "every client on one page or the other"
    );
    // The calendar's list and month render with their links.
    for path in [
        "/calendar?who=all",
        "/calendar?view=month&who=all",
        "/registrations",
    ] {
        let res = v.get(path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
    }
}
