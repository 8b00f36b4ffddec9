//! The platform console over HTTP: who may see and do what (a platform user without
//! `platform:tenants:manage` sees no create or suspend buttons and a forced POST is 403; an
//! agency's people never reach console pages, and console pages do not exist on an agency's
//! host), a refused form keeps its fields, suspension takes the agency offline until
//! reactivated, a failed provisioning resumes, a dead letter is retried, the audit log pages,
//! and a key rotation signs new tokens.

use crate::support::Visitor;
use comply360_domain::{IsolationMode, ProvisioningStep, Slug, Tier};
use comply360_store::catalog;
use comply360_store::provision::{NewTenant, ProvisionOptions};
use comply360_testkit::{TEST_PASSWORD, TestApp, TestDb, spawn_app};
use reqwest::StatusCode;

pub async fn operator(app: &TestApp, email: &str, role: &str) {
    app.state
        .identity
        .create_platform_user(email, role, "Operator", TEST_PASSWORD)
        .await
        .unwrap();
}

/// An agency whose provisioning stopped after its namespace was created.
pub async fn half_provisioned(app: &TestApp, slug: &str) {
    let new = NewTenant {
        slug: Slug::parse(slug).unwrap(),
        name: format!("Agency {slug}"),
        mode: IsolationMode::Schema,
        tier: Tier::Professional,
        server: None,
        admin_email: Some(format!("owner@{slug}.example")),
    };
    let opts = ProvisionOptions {
        fail_after: Some(ProvisioningStep::CreateNamespace),
    };
    app.store.create_tenant(new, opts).await.unwrap_err();
}

/// Marks every job of `slug` dead, as a job that failed for good would be left (its waiting
/// events first dispatched into their jobs, as a worker would; the app runs none).
pub async fn kill_jobs(app: &TestApp, slug: &str) -> usize {
    let t = app.store.tenancy().resolve(slug).await.unwrap();
    let mut tx = app.store.tenancy().begin(&t).await.unwrap();
    comply360_jobs::queue::dispatch(&mut tx, app.state.outbox.subscriptions(), 1000)
        .await
        .unwrap();
    let done = tx
        .query(
            "UPDATE jobs SET state = 'dead', last_error = 'smtp: 554 relay refused',
                    finished_at = now() WHERE tenant_id = $1",
        )
        .bind(t.id().as_uuid())
        .execute(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    usize::try_from(done.rows_affected()).unwrap()
}

#[tokio::test]
async fn console_pages_are_for_operators_and_actions_for_those_who_may_manage() {
    let db = TestDb::new().await;
    db.tenant("shop", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    app.create_user("shop", "admin@shop.example", "tenant_admin")
        .await;
    operator(&app, "support@c360.example", "global_support").await;

    // An agency's administrator: console pages do not exist on the agency's host, and the
    // agency's session means nothing on the console's.
    let mut agency = Visitor::new(&app, "shop");
    agency.sign_in("admin@shop.example").await;
    for path in ["/agencies", "/agencies/shop", "/dead-letters", "/audit"] {
        assert_eq!(
            agency.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let mut borrowed = Visitor::new(&app, "");
    borrowed.cookies = agency.cookies.clone();
    let res = borrowed.get("/agencies").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.location().starts_with("/login"), "{}", res.location());

    // Support reads, but may not change: no buttons, and a forced POST is refused.
    let mut support = Visitor::new(&app, "admin");
    support.sign_in("support@c360.example").await;
    let home = support.get("/").await;
    assert_eq!(home.location(), "/agencies");
    let list = support.get("/agencies").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Agency shop"), "{}", list.body);
    assert!(!list.body.contains("New agency"), "no create button");
    let page = support.get("/agencies/shop").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("schema pooled of the app database"));
    assert!(!page.body.contains("Suspend") && !page.body.contains("Resume"));
    assert_eq!(
        support.get("/agencies/new").await.status,
        StatusCode::FORBIDDEN
    );
    for (path, form) in [
        (
            "/agencies",
            vec![
                ("name", "Sneaky"),
                ("slug", "sneaky"),
                ("mode", "pooled"),
                ("tier", "starter"),
                ("admin_email", "a@sneaky.example"),
            ],
        ),
        ("/agencies/shop/suspend", vec![]),
        ("/agencies/shop/resume", vec![]),
        ("/signing-keys/rotate", vec![]),
        ("/billing/run", vec![]),
        ("/billing/enforce", vec![]),
        ("/billing/C360-000001/payment", vec![("reference", "EFT 1")]),
    ] {
        let res = support.post(path, &form).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "POST {path}");
        assert!(res.body.contains("Not permitted"), "{}", res.body);
    }
    assert!(
        catalog::tenant_by_slug(app.store.owner_pool(), "sneaky")
            .await
            .unwrap()
            .is_none()
    );
    let shop = catalog::tenant_by_slug(app.store.owner_pool(), "shop")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shop.status, comply360_domain::TenantStatus::Active);
    // Keys are for the super administrator alone; the navigation says so too.
    assert_eq!(
        support.get("/signing-keys").await.status,
        StatusCode::FORBIDDEN
    );
    assert!(!list.body.contains(">Keys</a>"));
    assert!(list.body.contains(">Dead letters</a>") && list.body.contains(">Audit</a>"));
    let dead = support.get("/dead-letters").await;
    assert!(dead.body.contains("No dead letters"), "{}", dead.body);
    assert_eq!(
        support.get("/agencies/nobody").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_operator_creates_suspends_resumes_retries_pages_the_log_and_rotates_keys() {
    let db = TestDb::new().await;
    let app = spawn_app(db.store.clone()).await;
    operator(&app, "root@c360.example", "super_admin").await;
    let mut ops = Visitor::new(&app, "");
    ops.sign_in("root@c360.example").await;

    // A new platform: the list says what to do first.
    let empty = ops.get("/agencies").await;
    assert!(empty.body.contains("No agencies yet"), "{}", empty.body);
    assert!(empty.body.contains("Create the first agency"));

    // Wrong fields: refused beside them, in the rule's own words, what was typed kept.
    let res = ops
        .post(
            "/agencies",
            &[
                ("name", "Marula Trust"),
                ("slug", "Not A Slug"),
                ("mode", "pooled"),
                ("tier", "starter"),
                ("admin_email", "nobody@"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("slug-error") || res.body.contains("id=\"slug-error\""));
    assert!(
        res.body.contains("must be an email address"),
        "{}",
        res.body
    );
    assert!(res.body.contains("value=\"Marula Trust\""));

    let res = ops
        .post(
            "/agencies",
            &[
                ("name", "Marula Trust"),
                ("slug", "marula"),
                ("mode", "schema"),
                ("tier", "professional"),
                ("admin_email", "thabo@marula.example"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/agencies/marula");
    let page = ops.get("/agencies/marula").await;
    assert!(page.body.contains("Marula Trust is ready"), "{}", page.body);
    assert!(
        page.body
            .contains("thabo@marula.example was sent an invitation")
    );
    assert!(page.body.contains("t_marula"));
    // The same address again: refused beside the field.
    let again = ops
        .post(
            "/agencies",
            &[
                ("name", "Other"),
                ("slug", "marula"),
                ("mode", "pooled"),
                ("tier", "starter"),
                ("admin_email", "x@other.example"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again
            .body
            .contains("another agency already has this address")
    );

    // Suspended: the agency's pages are unavailable until it is reactivated.
    let mut visitor = Visitor::new(&app, "marula");
    assert_eq!(visitor.get("/login").await.status, StatusCode::OK);
    let res = ops.post("/agencies/marula/suspend", &[]).await;
    assert_eq!(res.location(), "/agencies/marula");
    assert!(
        ops.get("/agencies/marula")
            .await
            .body
            .contains("is suspended")
    );
    assert_eq!(
        visitor.get("/login").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let filtered = ops.get("/agencies?status=suspended").await;
    assert!(filtered.body.contains("Marula Trust"));
    assert!(
        !ops.get("/agencies?status=active")
            .await
            .body
            .contains("Marula Trust")
    );
    ops.post("/agencies/marula/reactivate", &[]).await;
    assert!(
        ops.get("/agencies/marula")
            .await
            .body
            .contains("is active again")
    );
    assert_eq!(visitor.get("/login").await.status, StatusCode::OK);

    // A provisioning that stopped: shown with its error, resumed, its administrator invited.
    half_provisioned(&app, "halfway").await;
    let page = ops.get("/agencies/halfway").await;
    assert!(page.body.contains("stopped here"), "{}", page.body);
    assert!(page.body.contains("failure injected"));
    assert!(
        ops.get("/agencies?status=failed")
            .await
            .body
            .contains("halfway")
    );
    ops.post("/agencies/halfway/resume", &[]).await;
    let page = ops.get("/agencies/halfway").await;
    assert!(page.body.contains("is ready"), "{}", page.body);
    assert!(page.body.contains("administrator was sent an invitation"));
    assert!(!page.body.contains("stopped here"));

    // Dead letters: listed with their error, retried with fresh attempts.
    assert!(
        kill_jobs(&app, "marula").await > 0,
        "the invitation left jobs"
    );
    let dead = ops.get("/dead-letters").await;
    assert!(dead.body.contains("554 relay refused"), "{}", dead.body);
    let t = app.store.tenancy().resolve("marula").await.unwrap();
    let jobs = comply360_jobs::admin::list(app.store.tenancy(), Some("marula"), &["dead"], 10)
        .await
        .unwrap();
    let id = jobs[0].job.id.to_string();
    let res = ops
        .post(&format!("/dead-letters/marula/{id}/retry"), &[])
        .await;
    assert_eq!(res.location(), "/dead-letters");
    assert!(ops.get("/dead-letters").await.body.contains("queued again"));
    let twice = ops
        .post(&format!("/dead-letters/marula/{id}/retry"), &[])
        .await;
    assert_eq!(twice.location(), "/dead-letters");
    assert!(
        ops.get("/dead-letters")
            .await
            .body
            .contains("already queued")
    );
    drop(t);

    // The audit log: newest first, a page of 50 at a time.
    for i in 0..60 {
        catalog::audit(
            app.store.owner_pool(),
            "test",
            "test.filler",
            None,
            serde_json::json!({"n": i}),
        )
        .await
        .unwrap();
    }
    let first = ops.get("/audit").await;
    assert!(first.body.contains("n: 59"), "newest first");
    assert!(!first.body.contains("tenant.requested"));
    let older = first
        .body
        .split("/audit?before=")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a link to older entries")
        .to_owned();
    let second = ops.get(&format!("/audit?before={older}")).await;
    assert!(second.body.contains("tenant.requested"), "{}", second.body);
    assert!(
        second.body.contains("root@c360.example"),
        "the operator is named by email"
    );
    assert!(second.body.contains("Newest entries"));

    // Rotation: a new key signs, the old one still verifies.
    let keys = ops.get("/signing-keys").await;
    assert_eq!(keys.body.matches("badge-signing").count(), 1);
    let before = app.state.identity.keys().ring().signing_kid().to_owned();
    let res = ops.post("/signing-keys/rotate", &[]).await;
    assert_eq!(res.location(), "/signing-keys");
    let after = app.state.identity.keys().ring().signing_kid().to_owned();
    assert_ne!(before, after, "this replica signs with the new key at once");
    let keys = ops.get("/signing-keys").await;
    assert!(keys.body.contains(&format!("Key {after} signs new tokens")));
    assert!(keys.body.contains("badge-verifying"), "{}", keys.body);
    assert!(ops.get("/audit").await.body.contains("signing_key.rotated"));
}
