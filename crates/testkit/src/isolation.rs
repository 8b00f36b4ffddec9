//! The database half of every isolation suite (DESIGN.md's tenancy contract): in agency A's
//! transaction, each table shows only A's rows, and no row carrying agency B's id can be
//! written. The suites call these in all three modes, beside their own route checks.

use comply360_domain::IsolationMode;
use comply360_store::{Store, Tenant};

/// Each of `tables` has rows in `tenant`'s transaction, and none of them is another
/// agency's.
pub async fn sees_only_its_own(
    store: &Store,
    tenant: &Tenant,
    tables: &[&str],
    mode: IsolationMode,
) {
    let mut tx = store.tenancy().begin(tenant).await.expect("begin");
    for table in tables {
        let sql = format!("SELECT count(*), count(*) FILTER (WHERE tenant_id <> $1) FROM {table}");
        let (all, foreign): (i64, i64) = tx
            .query_as(&sql)
            .bind(tenant.id().as_uuid())
            .fetch_one(tx.conn())
            .await
            .unwrap_or_else(|e| panic!("{mode}: {sql}: {e}"));
        assert!(all > 0, "{mode}: the agency has {table} rows");
        assert_eq!(
            foreign, 0,
            "{mode}: the agency sees none of another's {table}"
        );
    }
    tx.rollback().await.expect("rollback");
}

/// Each of `writes`, run in `tenant`'s transaction with `other`'s id as `$1` and `arg` (text:
/// cast it in the statement) as `$2`, is refused by row-level security (SQLSTATE 42501),
/// each in a transaction of its own that is then rolled back.
pub async fn cannot_write_for(
    store: &Store,
    tenant: &Tenant,
    other: &Tenant,
    arg: &str,
    writes: &[&str],
    mode: IsolationMode,
) {
    for sql in writes {
        let mut tx = store.tenancy().begin(tenant).await.expect("begin");
        let result = tx
            .query(sql)
            .bind(other.id().as_uuid())
            .bind(arg)
            .execute(tx.conn())
            .await;
        match result {
            Err(err) => {
                let code = err
                    .as_database_error()
                    .and_then(|e| e.code())
                    .unwrap_or_default()
                    .into_owned();
                assert_eq!(code, "42501", "{mode}: {sql}: {err}");
            }
            Ok(done) => panic!("{mode}: {sql} wrote {} rows", done.rows_affected()),
        }
        tx.rollback().await.expect("rollback");
    }
}
