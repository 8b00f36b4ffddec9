//! Provisioning as a resumable state machine, in every mode (DESIGN.md rule 7).

use comply360_domain::{IsolationMode, ProvisioningState, ProvisioningStep, Slug, Tier};
use comply360_store::provision::{NewTenant, ProvisionOptions};
use comply360_store::{StoreError, catalog};
use comply360_testkit::TestDb;

fn new_tenant(slug: &str, mode: IsolationMode) -> NewTenant {
    NewTenant {
        slug: Slug::parse(slug).unwrap(),
        name: format!("Agency {slug}"),
        mode,
        tier: Tier::Professional,
        server: None,
        admin_email: Some(format!("owner@{slug}.example")),
    }
}

async fn counts(db: &TestDb) -> (i64, i64, i64) {
    let pool = db.store.owner_pool();
    let t: i64 = sqlx::query_scalar("SELECT count(*) FROM control.tenants")
        .fetch_one(pool)
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM control.namespaces")
        .fetch_one(pool)
        .await
        .unwrap();
    let a: i64 = sqlx::query_scalar("SELECT count(*) FROM control.platform_audit_log")
        .fetch_one(pool)
        .await
        .unwrap();
    (t, n, a)
}

async fn namespace_exists(db: &TestDb, rec: &catalog::TenantRecord) -> bool {
    let pool = db.store.owner_pool();
    match &rec.placement.database {
        Some(name) => {
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(name)
                .fetch_one(pool)
                .await
                .unwrap()
        }
        None => sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
            .bind(&rec.placement.schema)
            .fetch_one(pool)
            .await
            .unwrap(),
    }
}

#[tokio::test]
async fn a_failure_after_the_namespace_is_created_is_resumed_in_every_mode() {
    let db = TestDb::new().await;
    for (mode, slug) in [
        (IsolationMode::Pooled, "half-pooled"),
        (IsolationMode::Schema, "half-schema"),
        (IsolationMode::Database, "half-db"),
    ] {
        let opts = ProvisionOptions {
            fail_after: Some(ProvisioningStep::CreateNamespace),
        };
        let err = db
            .store
            .create_tenant(new_tenant(slug, mode), opts)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::ProvisioningFailed { ref step, .. } if step == "create_namespace"),
            "{err}"
        );

        let rec = catalog::tenant_by_slug(db.store.owner_pool(), slug)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rec.placement.state, ProvisioningState::Failed);
        assert_eq!(
            rec.placement.completed_step,
            Some(ProvisioningStep::CreateNamespace)
        );
        assert!(
            rec.placement
                .last_error
                .as_deref()
                .unwrap()
                .contains("injected")
        );
        assert!(
            namespace_exists(&db, &rec).await,
            "{mode}: the namespace was created before the failure"
        );

        // A half-provisioned tenant is not served.
        let tenant = db.store.tenancy().resolve(slug).await.unwrap();
        assert!(matches!(
            db.store.tenancy().begin(&tenant).await,
            Err(StoreError::NotProvisioned { .. })
        ));

        let done = db
            .store
            .resume_provisioning(slug, ProvisionOptions::default())
            .await
            .unwrap();
        assert_eq!(done.placement.state, ProvisioningState::Active);
        assert_eq!(done.placement.attempts, 2);
        assert_eq!(done.placement.last_error, None);
        assert_eq!(
            done.placement.schema_version,
            Some(db.store.tenant_migrations().latest())
        );

        let tenant = db.store.tenancy().resolve(slug).await.unwrap();
        let mut tx = db.store.tenancy().begin(&tenant).await.unwrap();
        let settings: i64 = tx
            .query_scalar("SELECT count(*) FROM settings")
            .fetch_one(tx.conn())
            .await
            .unwrap();
        let admins: i64 = tx
            .query_scalar("SELECT count(*) FROM users WHERE role = 'tenant_admin'")
            .fetch_one(tx.conn())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!((settings, admins), (4, 1), "{mode}: seeded exactly once");

        // Resuming an active tenant changes nothing.
        let again = db
            .store
            .resume_provisioning(slug, ProvisionOptions::default())
            .await
            .unwrap();
        assert_eq!(again.placement.attempts, 2);
    }
}

#[tokio::test]
async fn every_step_can_fail_and_resume_without_duplicates() {
    let db = TestDb::new().await;
    for (i, step) in [
        ProvisioningStep::BuildSchema,
        ProvisioningStep::Seed,
        ProvisioningStep::CreateAdmin,
    ]
    .into_iter()
    .enumerate()
    {
        let slug = format!("step-{i}");
        let opts = ProvisionOptions {
            fail_after: Some(step),
        };
        db.store
            .create_tenant(new_tenant(&slug, IsolationMode::Schema), opts)
            .await
            .unwrap_err();
        // Resume twice with a failure in between: steps are idempotent.
        db.store
            .resume_provisioning(&slug, ProvisionOptions::default())
            .await
            .unwrap();
        let tenant = db.store.tenancy().resolve(&slug).await.unwrap();
        let mut tx = db.store.tenancy().begin(&tenant).await.unwrap();
        let users: i64 = tx
            .query_scalar("SELECT count(*) FROM users")
            .fetch_one(tx.conn())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(users, 1, "failure after {step}");
    }
}

#[tokio::test]
async fn an_existing_slug_is_refused_and_changes_nothing() {
    let db = TestDb::new().await;
    db.tenant("taken", IsolationMode::Schema).await;
    let before = counts(&db).await;
    for mode in [
        IsolationMode::Pooled,
        IsolationMode::Schema,
        IsolationMode::Database,
    ] {
        let err = db
            .store
            .create_tenant(new_tenant("taken", mode), ProvisionOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::SlugTaken(_)), "{err}");
        assert_eq!(
            err.to_string(),
            "a tenant with slug \"taken\" already exists; choose another slug"
        );
    }
    assert_eq!(counts(&db).await, before);
    let rec = catalog::tenant_by_slug(db.store.owner_pool(), "taken")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rec.mode, IsolationMode::Schema, "the original is untouched");
}

#[tokio::test]
async fn invalid_requests_leave_no_trace() {
    let db = TestDb::new().await;
    let before = counts(&db).await;
    let mut blank = new_tenant("blank-name", IsolationMode::Pooled);
    blank.name = "   ".into();
    assert!(matches!(
        db.store
            .create_tenant(blank, ProvisionOptions::default())
            .await,
        Err(StoreError::Invalid(_))
    ));
    let mut server = new_tenant("no-server", IsolationMode::Database);
    server.server = Some("nowhere".into());
    let err = db
        .store
        .create_tenant(server, ProvisionOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::UnknownServer(_)), "{err}");
    let mut wrong_mode = new_tenant("wrong-mode", IsolationMode::Schema);
    wrong_mode.server = Some("primary".into());
    assert!(
        db.store
            .create_tenant(wrong_mode, ProvisionOptions::default())
            .await
            .is_err()
    );
    assert!(Slug::parse("admin").is_err() && Slug::parse("pooled").is_err());
    assert_eq!(counts(&db).await, before);
}

#[tokio::test]
async fn a_failed_tenant_can_be_discarded_and_its_slug_reused() {
    let db = TestDb::new().await;
    for (mode, slug) in [
        (IsolationMode::Schema, "gone-schema"),
        (IsolationMode::Database, "gone-db"),
        (IsolationMode::Pooled, "gone-pool"),
    ] {
        let opts = ProvisionOptions {
            fail_after: Some(ProvisioningStep::Seed),
        };
        db.store
            .create_tenant(new_tenant(slug, mode), opts)
            .await
            .unwrap_err();
        let rec = catalog::tenant_by_slug(db.store.owner_pool(), slug)
            .await
            .unwrap()
            .unwrap();
        db.store.discard_tenant(slug, false).await.unwrap();
        if mode != IsolationMode::Pooled {
            assert!(
                !namespace_exists(&db, &rec).await,
                "{mode}: namespace dropped"
            );
        }
        assert!(
            catalog::tenant_by_slug(db.store.owner_pool(), slug)
                .await
                .unwrap()
                .is_none()
        );
        db.tenant(slug, mode).await;
    }
    // An active tenant is not discarded by accident.
    assert!(db.store.discard_tenant("gone-db", false).await.is_err());
}

#[tokio::test]
async fn provisioning_runs_on_a_spawned_task_and_suspension_is_audited_with_its_actor() {
    let db = TestDb::new().await;
    // `tokio::spawn` needs a `Send` future: provisioning must be callable from a request
    // handler (the console creates agencies), in every mode.
    let store = db.store.clone();
    let t = tokio::spawn(async move {
        store
            .create_tenant_by(
                new_tenant("spawned-db", IsolationMode::Database),
                ProvisionOptions::default(),
                "platform_user:test",
            )
            .await
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(t.placement.state, ProvisioningState::Active);

    let (after, changed) = db
        .store
        .set_tenant_status(
            "spawned-db",
            comply360_domain::TenantStatus::Suspended,
            "ops",
        )
        .await
        .unwrap();
    assert!(changed);
    assert_eq!(after.status, comply360_domain::TenantStatus::Suspended);
    let again = db
        .store
        .set_tenant_status(
            "spawned-db",
            comply360_domain::TenantStatus::Suspended,
            "ops",
        )
        .await
        .unwrap();
    assert!(
        !again.1,
        "already suspended: nothing changes, nothing is audited"
    );
    assert!(matches!(
        db.store
            .set_tenant_status("nobody-here", comply360_domain::TenantStatus::Active, "ops")
            .await,
        Err(StoreError::UnknownTenant(_))
    ));

    // The log, newest first, a page at a time; the requester is named.
    let pool = db.store.owner_pool();
    let all = catalog::audit_log(pool, Some(t.id), None, 10)
        .await
        .unwrap();
    let actions: Vec<&str> = all.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["tenant.suspended", "tenant.provisioned", "tenant.requested"]
    );
    assert_eq!(all[0].actor, "ops");
    assert_eq!(all[2].actor, "platform_user:test");
    let first = catalog::audit_log(pool, Some(t.id), None, 2).await.unwrap();
    let rest = catalog::audit_log(pool, Some(t.id), Some(first[1].id), 2)
        .await
        .unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].action, "tenant.requested");
    let latest = catalog::latest_audit_per_tenant(pool).await.unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].action, "tenant.suspended");
}
