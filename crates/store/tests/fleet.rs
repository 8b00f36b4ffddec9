//! Fleet migrations over 200 tenants in all three modes: a new migration reaches every
//! namespace, an interrupted run resumes, a broken tenant is isolated and reported, an edited
//! migration is refused, and a run with nothing to do is a single indexed query.

use comply360_domain::IsolationMode;
use comply360_store::fleet::{FleetEvent, FleetOptions};
use comply360_store::migrations::{Migration, MigrationSet};
use comply360_store::{StoreError, catalog};
use comply360_testkit::{TestDb, create_tenant};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The version of the migration these tests add after the real ones.
fn next() -> i32 {
    MigrationSet::tenant().latest() + 1
}

fn v2() -> MigrationSet {
    let n = next();
    MigrationSet::tenant().with(Migration::new(
        n,
        format!("migrations/tenant/{n:04}_client_nickname.sql"),
        "ALTER TABLE clients ADD COLUMN nickname text;\nCREATE INDEX clients_by_nickname ON clients (tenant_id, nickname);",
    ))
}

async fn has_nickname(
    db: &TestDb,
    store: &comply360_store::Store,
    ns: &catalog::NamespaceRecord,
) -> bool {
    let mut conn = store
        .owner_connection(ns.server_id, ns.database.as_deref())
        .await
        .unwrap();
    let _ = db;
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relname = 'clients' AND a.attname = 'nickname')",
    )
    .bind(&ns.schema)
    .fetch_one(&mut conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn fleet_of_200_tenants_migrates_resumes_and_isolates_failures() {
    let db = TestDb::new().await;
    // 200 tenants: 100 pooled (one shared namespace), 90 schema, 10 database.
    for i in 0..200 {
        let mode = match i % 20 {
            0 => IsolationMode::Database,
            n if n % 2 == 1 => IsolationMode::Pooled,
            _ => IsolationMode::Schema,
        };
        create_tenant(&db.store, &format!("fleet-{i:03}"), mode).await;
    }
    let namespaces = catalog::all_namespaces(db.store.owner_pool())
        .await
        .unwrap();
    // pooled + 90 schema + 10 database + the template database.
    assert_eq!(namespaces.len(), 1 + 90 + 10 + 1);

    // One schema tenant is broken: the column the migration adds already exists, wrongly typed.
    let broken = catalog::tenant_by_slug(db.store.owner_pool(), "fleet-002")
        .await
        .unwrap()
        .unwrap();
    sqlx::raw_sql(&format!(
        "ALTER TABLE {}.clients ADD COLUMN nickname integer",
        broken.placement.schema
    ))
    .execute(db.store.owner_pool())
    .await
    .unwrap();

    let store = db.reopen(v2()).await;

    // 1. Interrupted midway: cancel after 30 namespaces.
    let done = AtomicUsize::new(0);
    let opts = FleetOptions {
        concurrency: 4,
        ..FleetOptions::default()
    };
    let cancel = opts.cancel.clone();
    let first = store
        .migrate_fleet(&opts, |e| {
            if let FleetEvent::Migrated { .. } = e
                && done.fetch_add(1, Ordering::SeqCst) + 1 == 30
            {
                cancel.cancel();
            }
        })
        .await
        .unwrap();
    assert!(first.interrupted, "{first:?}");
    assert!(
        first.migrated >= 30 && first.migrated < first.planned,
        "{first:?}"
    );
    assert_eq!(first.planned, namespaces.len());
    let behind = catalog::namespaces_below(store.owner_pool(), next())
        .await
        .unwrap();
    assert_eq!(
        behind.len(),
        first.planned - first.migrated - first.failed.len() + first.failed.len()
    );

    // 2. Resume: everything but the broken tenant reaches the new version; the broken one is named.
    let second = store
        .migrate_fleet(&FleetOptions::default(), |_| {})
        .await
        .unwrap();
    assert!(!second.is_success());
    assert_eq!(second.failed.len(), 1, "{second:?}");
    assert_eq!(second.failed[0].tenants, vec!["fleet-002".to_owned()]);
    assert!(
        second.failed[0].error.contains("_client_nickname.sql"),
        "{}",
        second.failed[0].error
    );
    let behind = catalog::namespaces_below(store.owner_pool(), next())
        .await
        .unwrap();
    assert_eq!(behind.len(), 1);
    assert_eq!(behind[0].schema, broken.placement.schema);
    assert!(behind[0].last_error.is_some());

    // The broken namespace was rolled back whole: still version 1, its own column intact.
    for ns in catalog::all_namespaces(store.owner_pool()).await.unwrap() {
        assert!(
            has_nickname(&db, &store, &ns).await,
            "{} lacks the column",
            ns.label()
        );
    }

    // 3. After a fix, the next run finishes it.
    sqlx::raw_sql(&format!(
        "ALTER TABLE {}.clients DROP COLUMN nickname",
        broken.placement.schema
    ))
    .execute(store.owner_pool())
    .await
    .unwrap();
    let third = store
        .migrate_fleet(&FleetOptions::default(), |_| {})
        .await
        .unwrap();
    assert!(third.is_success(), "{third:?}");
    assert_eq!(third.migrated, 1);
    assert!(
        catalog::namespaces_below(store.owner_pool(), next())
            .await
            .unwrap()
            .is_empty()
    );

    // 4. Nothing to do: one indexed query, well under a second.
    let idle = store
        .migrate_fleet(&FleetOptions::default(), |_| {})
        .await
        .unwrap();
    assert_eq!((idle.planned, idle.migrated), (0, 0));
    assert!(
        idle.elapsed_ms < 1000,
        "a run with nothing to do took {} ms",
        idle.elapsed_ms
    );

    // 5. RLS is still enabled and forced with its policy on every tenant table.
    assert_eq!(
        store.verify_fleet().await.unwrap(),
        Vec::<(String, String)>::new()
    );

    // New tenants are built at the new version (the template and the snapshot moved with the fleet).
    let fresh_db = create_tenant(&store, "fleet-new-db", IsolationMode::Database).await;
    let fresh_schema = create_tenant(&store, "fleet-new-schema", IsolationMode::Schema).await;
    assert_eq!(fresh_db.placement.schema_version, Some(next()));
    assert_eq!(fresh_schema.placement.schema_version, Some(next()));
    store.close().await;

    // 6. An applied migration whose file changed is refused, naming the file.
    let mut edited = v2();
    edited.migrations[0] = Migration::new(
        1,
        "migrations/tenant/0001_core.sql",
        format!("{}\n-- edited", edited.migrations[0].sql),
    );
    let store = db.reopen(edited).await;
    let err = store
        .migrate_fleet(&FleetOptions::default(), |_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::MigrationEdited { .. }));
    assert!(
        err.to_string().contains("migrations/tenant/0001_core.sql"),
        "{err}"
    );
}

#[tokio::test]
async fn an_edited_control_migration_is_refused() {
    let db = TestDb::new().await;
    let mut control = MigrationSet::control();
    control.migrations[0] = Migration::new(1, "migrations/control/0001_catalog.sql", "SELECT 1");
    let err =
        comply360_store::Store::open_with(db.settings.clone(), control, MigrationSet::tenant())
            .await
            .err()
            .unwrap();
    assert!(
        err.to_string()
            .contains("migrations/control/0001_catalog.sql was changed"),
        "{err}"
    );
}

/// A namespace whose table is locked by a long transaction is retried after the lock timeout,
/// and completes once the lock is gone, without blocking the rest.
#[tokio::test]
async fn a_locked_namespace_is_retried_after_its_lock_timeout() {
    let db = TestDb::with(|s| {
        s.locks = comply360_store::namespace::LockPolicy {
            lock_timeout: std::time::Duration::from_millis(100),
            retries: 8,
        }
    })
    .await;
    for i in 0..4 {
        create_tenant(&db.store, &format!("locked-{i}"), IsolationMode::Schema).await;
    }
    let store = db.reopen(v2()).await;
    let mut holder = store.owner_pool().begin().await.unwrap();
    sqlx::raw_sql("LOCK TABLE t_locked_0.clients IN ACCESS SHARE MODE")
        .execute(&mut *holder)
        .await
        .unwrap();
    let release = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        holder.rollback().await.unwrap();
    });
    let report = store
        .migrate_fleet(&FleetOptions::default(), |_| {})
        .await
        .unwrap();
    release.await.unwrap();
    assert!(report.is_success(), "{report:?}");
    assert_eq!(report.migrated, 5, "pooled + 4 schema namespaces");
}
