//! The schema lint: passes on the real tenant schema, fails on each kind of violation.

use comply360_domain::IsolationMode;
use comply360_store::lint::{lint_namespace, tenant_table_count};
use comply360_testkit::TestDb;

#[tokio::test]
async fn every_real_namespace_keeps_the_contract() {
    let db = TestDb::new().await;
    db.tenant("lint-schema", IsolationMode::Schema).await;
    db.tenant("lint-db", IsolationMode::Database).await;
    assert_eq!(
        db.store.verify_fleet().await.unwrap(),
        Vec::<(String, String)>::new()
    );
    let mut conn = db.store.owner_pool().acquire().await.unwrap();
    // 0001: users, clients, registrations, documents, commissions, settings, audit_log;
    // 0002: outbox_events, jobs, inbox; 0003: notification_messages, notification_preferences;
    // 0004: identity (6); 0005: practice (6); 0006: idempotency (1); 0008: documents (4);
    // 0010: registration_prices, commission_rules; 0011: odoo_links; 0013: payments (7:
    // invoice_counters, invoices, invoice_lines, payment_checkouts, payment_notifications,
    // payments, credit_notes); 0017: data_version.
    assert_eq!(tenant_table_count(&mut conn, "pooled").await.unwrap(), 40);
    assert!(
        lint_namespace(&mut conn, "pooled")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_lint_names_each_violation() {
    let db = TestDb::new().await;
    db.tenant("lint-bad", IsolationMode::Schema).await;
    let mut conn = db.store.owner_pool().acquire().await.unwrap();
    sqlx::raw_sql(
        r#"BEGIN;
        SELECT set_config('search_path', 't_lint_bad', true);
        CREATE TABLE no_tenant (id uuid PRIMARY KEY);
        CREATE TABLE wrong_keys (tenant_id uuid NOT NULL, id uuid NOT NULL, code text, client_id uuid,
            PRIMARY KEY (id, tenant_id), UNIQUE (code),
            FOREIGN KEY (client_id, tenant_id) REFERENCES clients (id, tenant_id));
        ALTER TABLE wrong_keys ENABLE ROW LEVEL SECURITY;
        CREATE TABLE not_forced (tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id));
        ALTER TABLE not_forced ENABLE ROW LEVEL SECURITY;
        CREATE POLICY tenant_isolation ON not_forced USING (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
        CREATE POLICY back_door ON not_forced USING (true);
        ALTER TABLE clients NO FORCE ROW LEVEL SECURITY;
        DROP TRIGGER data_version ON registrations;
        DROP TRIGGER data_version ON companies;
        CREATE TRIGGER data_version AFTER INSERT ON companies
            FOR EACH ROW EXECUTE FUNCTION bump_data_version();
        COMMIT;"#,
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    let found: Vec<String> = lint_namespace(&mut conn, "t_lint_bad")
        .await
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    let expect = [
        "clients: row-level security is not forced",
        "no_tenant: no tenant_id uuid NOT NULL column",
        "no_tenant: row-level security is not enabled",
        "no_tenant: no tenant_isolation policy for all commands on app.tenant_id",
        "wrong_keys: unique index wrong_keys_pkey does not lead with tenant_id",
        "wrong_keys: unique index wrong_keys_code_key does not lead with tenant_id",
        "wrong_keys: foreign key wrong_keys_client_id_tenant_id_fkey does not lead with tenant_id",
        "wrong_keys: row-level security is not forced",
        "wrong_keys: no tenant_isolation policy for all commands on app.tenant_id",
        "not_forced: row-level security is not forced",
        "not_forced: policy back_door would let rows through beside tenant_isolation",
        "not_forced: no deferred data_version trigger (changes here would not move the agency's data version)",
        "registrations: no deferred data_version trigger (changes here would not move the agency's data version)",
        "companies: no deferred data_version trigger (changes here would not move the agency's data version)",
    ];
    for e in expect {
        assert!(found.iter().any(|f| f == e), "missing {e:?} in {found:#?}");
    }
    // And the fleet check reports the namespace.
    let problems = db.store.verify_fleet().await.unwrap();
    assert!(
        problems
            .iter()
            .any(|(ns, p)| ns == "t_lint_bad" && p.contains("clients")),
        "{problems:?}"
    );
}

/// The lint must not touch other namespaces' tables: a migration elsewhere holds an
/// AccessExclusive lock, and waiting on it from inside our own migration deadlocks the fleet.
#[tokio::test]
async fn the_lint_does_not_wait_on_other_namespaces() {
    let db = TestDb::new().await;
    db.tenant("lock-a", IsolationMode::Schema).await;
    db.tenant("lock-b", IsolationMode::Schema).await;
    let mut holder = db.store.owner_pool().begin().await.unwrap();
    sqlx::raw_sql("LOCK TABLE t_lock_b.clients, t_lock_b.users IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *holder)
        .await
        .unwrap();

    let mut conn = db.store.owner_pool().begin().await.unwrap();
    // With thousands of schemas the planner hashes pg_policy instead of probing it per table;
    // these settings force that plan with two.
    sqlx::raw_sql("SET LOCAL lock_timeout = '500ms'; SET LOCAL enable_nestloop = off; SET LOCAL enable_mergejoin = off").execute(&mut *conn).await.unwrap();
    let found = lint_namespace(&mut conn, "t_lock_a")
        .await
        .expect("lint must not wait for t_lock_b's locks");
    assert!(found.is_empty(), "{found:?}");
    holder.rollback().await.unwrap();
}
