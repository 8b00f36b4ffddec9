//! The pool registry keeps database-mode tenants within the connection budget.

use comply360_domain::IsolationMode;
use comply360_store::StoreError;
use comply360_store::pools::PoolLimits;
use comply360_testkit::TestDb;
use std::time::Duration;

#[tokio::test]
async fn database_tenant_pools_stay_within_the_budget() {
    let db = TestDb::with(|s| {
        s.limits = PoolLimits {
            budget: 2,
            per_database: 1,
            idle_timeout: Duration::from_secs(300),
            acquire_timeout: Duration::from_secs(2),
        }
    })
    .await;
    let mut tenants = Vec::new();
    for slug in ["budget-a", "budget-b", "budget-c"] {
        db.tenant(slug, IsolationMode::Database).await;
        tenants.push(db.store.tenancy().resolve(slug).await.unwrap());
    }
    let t = db.store.tenancy();
    assert!(t.pool_stats().pools <= 2, "{:?}", t.pool_stats());

    // Two tenants hold their only connection: a third database cannot get a pool.
    let tx_a = t.begin(&tenants[0]).await.unwrap();
    let tx_b = t.begin(&tenants[1]).await.unwrap();
    let err = t.begin(&tenants[2]).await.err().expect("over budget");
    assert!(
        matches!(err, StoreError::PoolBudgetExhausted { budget: 2 }),
        "{err}"
    );
    assert_eq!(t.pool_stats().pools, 2);

    // Once one is idle, it is the one closed (least recently used) to make room.
    tx_a.commit().await.unwrap();
    let mut tx_c = t.begin(&tenants[2]).await.unwrap();
    let n: i64 = tx_c
        .query_scalar("SELECT count(*) FROM settings")
        .fetch_one(tx_c.conn())
        .await
        .unwrap();
    assert_eq!(n, 4);
    tx_c.commit().await.unwrap();
    tx_b.commit().await.unwrap();
    let stats = t.pool_stats();
    assert_eq!(stats.pools, 2);
    assert!(stats.connections <= 2, "{stats:?}");
}
