//! Tenant isolation in all three modes, directly and through a real PgBouncer in transaction
//! mode (DESIGN.md section 3; issue "Must show": isolation tests).

use comply360_domain::IsolationMode;
use comply360_store::{Store, Tenancy, Tenant, TenantTx};
use comply360_testkit::pgbouncer::PgBouncer;
use comply360_testkit::{TestDb, test_cluster};
use sqlx::{Connection, Row};
use uuid::Uuid;

async fn add_client(tx: &mut TenantTx, name: &str) -> Uuid {
    let id = Uuid::now_v7();
    tx.query(
        "INSERT INTO clients (tenant_id, id, kind, display_name) VALUES ($1, $2, 'person', $3)",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id)
    .bind(name)
    .execute(tx.conn())
    .await
    .unwrap();
    id
}

fn sqlstate(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()).unwrap_or_default(),
        other => format!("not a database error: {other}"),
    }
}

/// The whole suite for two tenants of `mode` on `store`.
async fn isolation_suite(store: &Store, mode: IsolationMode, tag: &str) {
    let a_rec = comply360_testkit::create_tenant(store, &format!("{tag}-a"), mode).await;
    let b_rec = comply360_testkit::create_tenant(store, &format!("{tag}-b"), mode).await;
    let t = store.tenancy();
    let a = t.resolve(&a_rec.slug).await.unwrap();
    let b = t.resolve(&b_rec.slug).await.unwrap();

    let mut tx = t.begin(&a).await.unwrap();
    let a_client = add_client(&mut tx, "A one").await;
    add_client(&mut tx, "A two").await;
    tx.commit().await.unwrap();
    let mut tx = t.begin(&b).await.unwrap();
    let b_client = add_client(&mut tx, "B one").await;
    tx.commit().await.unwrap();

    // 1. Inside A's transaction, an unfiltered SELECT sees only A's rows.
    let mut tx = t.begin(&a).await.unwrap();
    let rows = tx
        .query("SELECT tenant_id, display_name FROM clients")
        .fetch_all(tx.conn())
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "{mode}: A sees exactly its two clients");
    for r in &rows {
        assert_eq!(r.get::<Uuid, _>("tenant_id"), a.id().as_uuid());
    }
    // ... and B's row is invisible even by primary key.
    let n: i64 = tx
        .query_scalar("SELECT count(*) FROM clients WHERE id = $1")
        .bind(b_client)
        .fetch_one(tx.conn())
        .await
        .unwrap();
    assert_eq!(n, 0);
    tx.rollback().await.unwrap();

    // 1b. A read-only transaction has the same context, and refuses every write.
    let mut tx = t.begin_read(&a).await.unwrap();
    let names: Vec<String> = tx
        .query_scalar("SELECT display_name FROM clients ORDER BY display_name")
        .fetch_all(tx.conn())
        .await
        .unwrap();
    assert_eq!(
        names,
        ["A one", "A two"],
        "{mode}: a read sees A's rows only"
    );
    let err = tx
        .query("UPDATE clients SET display_name = 'changed'")
        .execute(tx.conn())
        .await
        .unwrap_err();
    assert_eq!(
        sqlstate(&err),
        "25006",
        "{mode}: a read-only transaction writes nothing"
    );
    tx.rollback().await.unwrap();

    // 2. Writes carrying B's tenant_id are refused (WITH CHECK).
    let mut tx = t.begin(&a).await.unwrap();
    let err = tx.query("INSERT INTO clients (tenant_id, id, kind, display_name) VALUES ($1, $2, 'person', 'x')")
        .bind(b.id().as_uuid())
        .bind(Uuid::now_v7())
        .execute(tx.conn())
        .await
        .unwrap_err();
    assert_eq!(
        sqlstate(&err),
        "42501",
        "{mode}: insert with B's tenant_id refused"
    );
    tx.rollback().await.unwrap();

    let mut tx = t.begin(&a).await.unwrap();
    let err = tx
        .query("UPDATE clients SET tenant_id = $1 WHERE id = $2")
        .bind(b.id().as_uuid())
        .bind(a_client)
        .execute(tx.conn())
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "42501", "{mode}: moving a row to B refused");
    tx.rollback().await.unwrap();

    let mut tx = t.begin(&a).await.unwrap();
    let touched = tx
        .query("UPDATE clients SET display_name = 'hijacked'")
        .execute(tx.conn())
        .await
        .unwrap();
    assert_eq!(
        touched.rows_affected(),
        2,
        "{mode}: an unfiltered UPDATE touches only A's rows"
    );
    let deleted = tx
        .query("DELETE FROM clients WHERE id = $1")
        .bind(b_client)
        .execute(tx.conn())
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected(), 0);
    tx.rollback().await.unwrap();

    // 3. Qualifying another tenant's namespace reads nothing.
    let b_schema = &b_rec.placement.schema;
    let mut tx = t.begin(&a).await.unwrap();
    match (&b_rec.placement.database, mode) {
        // Pooled tenants share one namespace: nothing to qualify.
        (None, IsolationMode::Pooled) => {}
        (None, _) => {
            let q = format!(
                "SELECT count(*) FROM {}.clients",
                comply360_store::quote_ident(b_schema)
            );
            let seen: Result<i64, _> = tx.query_scalar(&q).fetch_one(tx.conn()).await;
            match seen {
                Ok(n) => assert_eq!(n, 0, "{mode}: A reading B's schema by name sees nothing"),
                Err(e) => assert_eq!(sqlstate(&e), "42501"),
            }
        }
        (Some(db), _) => {
            let q = format!(
                "SELECT count(*) FROM {}.tenant.clients",
                comply360_store::quote_ident(db)
            );
            let err = tx
                .query_scalar::<i64>(&q)
                .fetch_one(tx.conn())
                .await
                .unwrap_err();
            assert_eq!(
                sqlstate(&err),
                "0A000",
                "cross-database references are impossible"
            );
        }
    }
    tx.rollback().await.unwrap();

    // 4. The app role without tenant context reads nothing, and cannot switch RLS off.
    let ns_table = match &a_rec.placement.database {
        None => format!(
            "{}.clients",
            comply360_store::quote_ident(&a_rec.placement.schema)
        ),
        Some(_) => "tenant.clients".to_owned(),
    };
    let mut raw = app_connection(store, &a_rec).await;
    // The simple protocol: through PgBouncer in transaction mode an unnamed statement's
    // Parse and Bind may reach different servers once sqlx syncs between them.
    let count = sqlx::raw_sql(&format!("SELECT count(*) FROM {ns_table}"))
        .fetch_one(&mut raw)
        .await
        .unwrap();
    let n: i64 = sqlx::Row::try_get(&count, 0).unwrap();
    assert_eq!(n, 0, "{mode}: no context, no rows");
    for attack in [
        format!("ALTER TABLE {ns_table} DISABLE ROW LEVEL SECURITY"),
        format!("ALTER TABLE {ns_table} NO FORCE ROW LEVEL SECURITY"),
        format!("CREATE POLICY open_door ON {ns_table} USING (true)"),
        format!("DROP POLICY tenant_isolation ON {ns_table}"),
        "SET ROLE c360_owner".to_owned(),
        "SET SESSION AUTHORIZATION c360_owner".to_owned(),
        "ALTER ROLE c360_app BYPASSRLS".to_owned(),
    ] {
        let res = sqlx::raw_sql(&attack).execute(&mut raw).await;
        assert!(
            res.is_err(),
            "{mode}: app role must not be able to run {attack}"
        );
    }
    // row_security = off makes a filtered query an error, never a full read.
    let res = sqlx::raw_sql(&format!("SET row_security = off; SELECT * FROM {ns_table}"))
        .execute(&mut raw)
        .await;
    assert!(
        res.is_err(),
        "{mode}: row_security=off must error, not bypass"
    );
    let res = sqlx::raw_sql("RESET row_security").execute(&mut raw).await;
    assert!(res.is_ok());
    raw.close().await.unwrap();

    data_version_suite(t, &a, &b, mode).await;
}

/// The agency's data version as a new read-only transaction sees it.
async fn data_version(t: &Tenancy, tenant: &Tenant) -> i64 {
    let mut tx = t.begin_read(tenant).await.unwrap();
    let v = tx.data_version().await.unwrap();
    assert_eq!(v.tenant, tenant.id());
    tx.commit().await.unwrap();
    v.counter()
}

/// The suite's fifth part, the data version (migrations/tenant/0017_data_version.sql): a
/// committed change moves its agency's version on once, whatever it wrote; a rollback moves
/// nothing; a read sees the version and the rows of one snapshot; one agency never reads or
/// moves another's.
async fn data_version_suite(t: &Tenancy, a: &Tenant, b: &Tenant, mode: IsolationMode) {
    let (a0, b0) = (data_version(t, a).await, data_version(t, b).await);
    assert!(
        a0 > 0,
        "{mode}: A's clients were added, so its version moved"
    );

    let mut tx = t.begin(a).await.unwrap();
    let id = add_client(&mut tx, "A three").await;
    add_client(&mut tx, "A four").await;
    tx.query("UPDATE clients SET email = 'three@a.example' WHERE id = $1")
        .bind(id)
        .execute(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        data_version(t, a).await,
        a0 + 1,
        "{mode}: once per transaction"
    );
    assert_eq!(data_version(t, b).await, b0, "{mode}: B's version stays");

    let mut tx = t.begin(a).await.unwrap();
    add_client(&mut tx, "rolled back").await;
    tx.rollback().await.unwrap();
    assert_eq!(
        data_version(t, a).await,
        a0 + 1,
        "{mode}: a rollback moves nothing"
    );

    // A reader keeps its snapshot: the version and the rows it reads are of one moment.
    let mut reader = t.begin_read(a).await.unwrap();
    let before = reader.data_version().await.unwrap();
    let count = "SELECT count(*) FROM clients";
    let seen: i64 = reader
        .query_scalar(count)
        .fetch_one(reader.conn())
        .await
        .unwrap();
    let mut tx = t.begin(a).await.unwrap();
    add_client(&mut tx, "A five").await;
    tx.commit().await.unwrap();
    assert_eq!(reader.data_version().await.unwrap(), before, "{mode}");
    let still: i64 = reader
        .query_scalar(count)
        .fetch_one(reader.conn())
        .await
        .unwrap();
    assert_eq!(
        still, seen,
        "{mode}: the reader's rows are those of its version"
    );
    reader.commit().await.unwrap();
    assert_eq!(data_version(t, a).await, a0 + 2);

    // Concurrent writers of one agency each move it on: none is lost.
    let writers = (0..6).map(|i| async move {
        let mut tx = t.begin(a).await.unwrap();
        add_client(&mut tx, &format!("concurrent {i}")).await;
        tx.commit().await.unwrap();
    });
    futures::future::join_all(writers).await;
    assert_eq!(data_version(t, a).await, a0 + 8, "{mode}: no move is lost");

    // A sees only its own version's row, and cannot write B's.
    let mut tx = t.begin(a).await.unwrap();
    let rows: Vec<Uuid> = tx
        .query_scalar("SELECT tenant_id FROM data_version")
        .fetch_all(tx.conn())
        .await
        .unwrap();
    assert_eq!(
        rows,
        [a.id().as_uuid()],
        "{mode}: A reads its own version only"
    );
    let err = tx
        .query("INSERT INTO data_version (tenant_id, version) VALUES ($1, 1000)")
        .bind(b.id().as_uuid())
        .execute(tx.conn())
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "42501", "{mode}: A cannot set B's version");
    tx.rollback().await.unwrap();
    assert_eq!(data_version(t, b).await, b0);

    // A writing transaction cannot name a version: it would not cover its own changes.
    let mut tx = t.begin(a).await.unwrap();
    assert!(tx.data_version().await.is_err(), "{mode}");
    tx.rollback().await.unwrap();
}

async fn app_connection(
    store: &Store,
    tenant: &comply360_store::catalog::TenantRecord,
) -> sqlx::PgConnection {
    let s = store.settings();
    let db = tenant
        .placement
        .database
        .clone()
        .unwrap_or_else(|| s.app_database.clone());
    let opts = s
        .app_proxy
        .clone()
        .unwrap_or_else(|| s.primary.clone())
        .options(comply360_store::APP_ROLE, None, &db);
    let opts = if s.app_proxy.is_some() {
        opts.statement_cache_capacity(0)
    } else {
        opts
    };
    sqlx::PgConnection::connect_with(&opts).await.unwrap()
}

#[tokio::test]
async fn pooled_tenants_are_isolated() {
    let db = TestDb::new().await;
    isolation_suite(&db.store, IsolationMode::Pooled, "pool").await;
}

#[tokio::test]
async fn schema_tenants_are_isolated() {
    let db = TestDb::new().await;
    isolation_suite(&db.store, IsolationMode::Schema, "schm").await;
}

#[tokio::test]
async fn database_tenants_are_isolated() {
    let db = TestDb::new().await;
    isolation_suite(&db.store, IsolationMode::Database, "dbmode").await;
}

#[tokio::test]
async fn context_does_not_outlive_the_transaction() {
    // One connection in the app pool, so the next transaction must reuse it.
    let db = TestDb::with(|s| s.main_pool_size = 1).await;
    for (mode, tag, read_only) in [
        (IsolationMode::Pooled, "ctx-p", false),
        (IsolationMode::Schema, "ctx-s", false),
        (IsolationMode::Pooled, "ctx-pr", true),
        (IsolationMode::Schema, "ctx-sr", true),
    ] {
        let rec = db.tenant(tag, mode).await;
        let tenant = db.store.tenancy().resolve(&rec.slug).await.unwrap();
        let mut tx = if read_only {
            // A read-only transaction ends without a COMMIT of its own: its ROLLBACK goes
            // with the pool's check of the returned connection, before anyone else gets it.
            db.store.tenancy().begin_read(&tenant).await.unwrap()
        } else {
            let mut tx = db.store.tenancy().begin(&tenant).await.unwrap();
            add_client(&mut tx, "visible only inside").await;
            tx
        };
        let inside: String = tx
            .query_scalar("SELECT current_setting('app.tenant_id')")
            .fetch_one(tx.conn())
            .await
            .unwrap();
        assert_eq!(inside, tenant.id().to_string());
        tx.commit().await.unwrap();

        let mut conn = db.store.tenancy().app_pool().acquire().await.unwrap();
        let after: Option<String> =
            sqlx::query_scalar("SELECT nullif(current_setting('app.tenant_id', true), '')")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        assert_eq!(
            after, None,
            "{mode}: tenant context must end with the transaction"
        );
        // A savepoint is refused outside a transaction block (25P01).
        let outside = sqlx::query("SAVEPOINT probe")
            .execute(&mut *conn)
            .await
            .unwrap_err();
        assert_eq!(
            sqlstate(&outside),
            "25P01",
            "{mode}: the connection is lent outside any transaction"
        );
        let read_only_now: String =
            sqlx::query_scalar("SELECT current_setting('transaction_read_only')")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        assert_eq!(
            read_only_now, "off",
            "{mode}: read-only ends with the transaction"
        );
        let path: String = sqlx::query_scalar("SELECT current_setting('search_path')")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert!(
            !path.contains(&rec.placement.schema)
                || rec.placement.schema == "pooled" && !path.contains("pooled"),
            "search_path leaked: {path}"
        );
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM {}.clients",
            comply360_store::quote_ident(&rec.placement.schema)
        ))
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!(
            n, 0,
            "{mode}: the next transaction on the same connection sees no rows"
        );
    }
}

async fn bouncer_db(pool_size: u32) -> (TestDb, PgBouncer) {
    let bouncer = PgBouncer::start(test_cluster().await, pool_size).await;
    let address = bouncer.address();
    let db = TestDb::with(move |s| s.app_proxy = Some(address)).await;
    (db, bouncer)
}

#[tokio::test]
async fn isolation_holds_through_pgbouncer_in_all_modes() {
    let (db, _bouncer) = bouncer_db(3).await;
    isolation_suite(&db.store, IsolationMode::Pooled, "pgb-pool").await;
    isolation_suite(&db.store, IsolationMode::Schema, "pgb-schm").await;
    isolation_suite(&db.store, IsolationMode::Database, "pgb-db").await;
}

#[tokio::test]
async fn interleaved_tenants_on_few_pgbouncer_connections_never_mix() {
    let (db, _bouncer) = bouncer_db(2).await;
    let modes = [
        IsolationMode::Pooled,
        IsolationMode::Pooled,
        IsolationMode::Schema,
        IsolationMode::Schema,
        IsolationMode::Database,
    ];
    let mut tenants = Vec::new();
    for (i, mode) in modes.iter().enumerate() {
        let rec = db.tenant(&format!("mix-{i}"), *mode).await;
        let t = db.store.tenancy().resolve(&rec.slug).await.unwrap();
        let mut tx = db.store.tenancy().begin(&t).await.unwrap();
        for k in 0..=i {
            add_client(&mut tx, &format!("client {k}")).await;
        }
        tx.commit().await.unwrap();
        tenants.push((t, i as i64 + 1));
    }
    let mut tasks = tokio::task::JoinSet::new();
    for round in 0..200 {
        let (tenant, expected) = tenants[round % tenants.len()].clone();
        let tenancy = db.store.tenancy().clone();
        tasks.spawn(async move {
            // Writers' and readers' transactions interleave on the same server connections.
            let mut tx = if round % 2 == 0 {
                tenancy.begin(&tenant).await.unwrap()
            } else {
                tenancy.begin_read(&tenant).await.unwrap()
            };
            tx.query("SELECT pg_sleep(0.002)")
                .execute(tx.conn())
                .await
                .unwrap();
            let rows: Vec<(Uuid,)> = tx
                .query_as("SELECT tenant_id FROM clients")
                .fetch_all(tx.conn())
                .await
                .unwrap();
            let ctx: String = tx
                .query_scalar("SELECT current_setting('app.tenant_id')")
                .fetch_one(tx.conn())
                .await
                .unwrap();
            tx.commit().await.unwrap();
            assert_eq!(ctx, tenant.id().to_string());
            assert_eq!(
                rows.len() as i64,
                expected,
                "tenant {} saw another's rows",
                tenant.slug()
            );
            assert!(rows.iter().all(|(t,)| *t == tenant.id().as_uuid()));
        });
    }
    while let Some(res) = tasks.join_next().await {
        res.unwrap();
    }
}
