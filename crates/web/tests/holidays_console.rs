//! The console's declared holidays: an operator sees the shipped list, declares a day (a bad
//! date refused beside its field; the notice says how many deadlines moved) and withdraws it;
//! support staff read the list but cannot change it.

use crate::support::Visitor;
use comply360_testkit::{TEST_PASSWORD, TestDb, spawn_app};
use reqwest::StatusCode;

#[tokio::test]
async fn an_operator_declares_and_withdraws_a_holiday_and_support_staff_only_read() {
    let db = TestDb::new().await;
    let app = spawn_app(db.store.clone()).await;
    for (email, role) in [
        ("ops@platform.example", "super_admin"),
        ("help@platform.example", "global_support"),
    ] {
        app.state
            .identity
            .create_platform_user(email, role, "Ops", TEST_PASSWORD)
            .await
            .unwrap();
    }
    let mut ops = Visitor::new(&app, "");
    ops.sign_in("ops@platform.example").await;
    let page = ops.get("/holidays").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("4 Nov 2026") && page.body.contains("local government elections"),
        "{}",
        page.body
    );

    let res = ops
        .post("/holidays", &[("date", "4/12/2030"), ("name", "test day")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("id=\"date-error\""), "{}", res.body);
    let res = ops
        .post(
            "/holidays",
            &[("date", "2030-12-04"), ("name", "a test decree")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = ops.get("/holidays").await;
    assert!(page.body.contains("a test decree"), "{}", page.body);
    assert!(
        page.body.contains("is a declared holiday") && page.body.contains("moved in"),
        "the notice: {}",
        page.body
    );
    let res = ops
        .post("/holidays", &[("date", "2030-12-04"), ("name", "again")])
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let res = ops.post("/holidays/2030-12-04/withdraw", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(!ops.get("/holidays").await.body.contains("a test decree"));

    let mut help = Visitor::new(&app, "");
    help.sign_in("help@platform.example").await;
    let page = help.get("/holidays").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("Declare a holiday"),
        "no form for support staff"
    );
    let res = help
        .post(
            "/holidays",
            &[("date", "2030-12-04"), ("name", "a test decree")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}
