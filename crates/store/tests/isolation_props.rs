//! Property test of isolation: random operations by several tenants in all three modes, checked
//! against a model. Whatever the sequence, a tenant sees exactly its own rows, and nothing it
//! does (unfiltered updates and deletes, guessing another tenant's ids) touches anyone else's.

use comply360_domain::IsolationMode;
use comply360_store::{Store, Tenant};
use comply360_testkit::{TestDb, create_tenant};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use uuid::Uuid;

const TENANTS: usize = 4;

#[derive(Clone, Debug)]
enum Op {
    Insert {
        tenant: usize,
    },
    RenameAll {
        tenant: usize,
    },
    DeleteNth {
        tenant: usize,
        nth: usize,
    },
    /// Try to read, update and delete another tenant's row by its id.
    Trespass {
        tenant: usize,
        victim: usize,
        nth: usize,
    },
    ReadAll {
        tenant: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let t = 0..TENANTS;
    prop_oneof![
        4 => t.clone().prop_map(|tenant| Op::Insert { tenant }),
        1 => t.clone().prop_map(|tenant| Op::RenameAll { tenant }),
        1 => (t.clone(), 0..8usize).prop_map(|(tenant, nth)| Op::DeleteNth { tenant, nth }),
        3 => (t.clone(), t.clone(), 0..8usize).prop_map(|(tenant, victim, nth)| Op::Trespass { tenant, victim, nth }),
        2 => t.prop_map(|tenant| Op::ReadAll { tenant }),
    ]
}

async fn own_ids(store: &Store, tenant: &Tenant) -> BTreeSet<Uuid> {
    let mut tx = store.tenancy().begin(tenant).await.unwrap();
    let rows: Vec<(Uuid, Uuid)> = tx
        .query_as("SELECT tenant_id, id FROM clients")
        .fetch_all(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        rows.iter().all(|(t, _)| *t == tenant.id().as_uuid()),
        "{} saw a foreign row",
        tenant.slug()
    );
    rows.into_iter().map(|(_, id)| id).collect()
}

async fn run_case(store: &Store, tenants: &[Arc<Tenant>], ops: &[Op]) -> Result<(), TestCaseError> {
    let mut model: Vec<BTreeSet<Uuid>> = vec![BTreeSet::new(); tenants.len()];
    let t = store.tenancy();
    for op in ops {
        match *op {
            Op::Insert { tenant } => {
                let id = Uuid::now_v7();
                let mut tx = t.begin(&tenants[tenant]).await.unwrap();
                tx.query("INSERT INTO clients (tenant_id, id, kind, display_name) VALUES ($1, $2, 'person', 'x')")
                    .bind(tenants[tenant].id().as_uuid())
                    .bind(id)
                    .execute(tx.conn())
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                model[tenant].insert(id);
            }
            Op::RenameAll { tenant } => {
                let mut tx = t.begin(&tenants[tenant]).await.unwrap();
                let n = tx
                    .query("UPDATE clients SET display_name = 'renamed'")
                    .execute(tx.conn())
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                prop_assert_eq!(n.rows_affected() as usize, model[tenant].len());
            }
            Op::DeleteNth { tenant, nth } => {
                let Some(id) = model[tenant].iter().nth(nth).copied() else {
                    continue;
                };
                let mut tx = t.begin(&tenants[tenant]).await.unwrap();
                let n = tx
                    .query("DELETE FROM clients WHERE id = $1")
                    .bind(id)
                    .execute(tx.conn())
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                prop_assert_eq!(n.rows_affected(), 1);
                model[tenant].remove(&id);
            }
            Op::Trespass {
                tenant,
                victim,
                nth,
            } => {
                let Some(id) = model[victim].iter().nth(nth).copied() else {
                    continue;
                };
                if tenant == victim {
                    continue;
                }
                let mut tx = t.begin(&tenants[tenant]).await.unwrap();
                let seen: i64 = tx
                    .query_scalar("SELECT count(*) FROM clients WHERE id = $1")
                    .bind(id)
                    .fetch_one(tx.conn())
                    .await
                    .unwrap();
                let updated = tx
                    .query("UPDATE clients SET display_name = 'stolen' WHERE id = $1")
                    .bind(id)
                    .execute(tx.conn())
                    .await
                    .unwrap();
                let deleted = tx
                    .query("DELETE FROM clients WHERE id = $1")
                    .bind(id)
                    .execute(tx.conn())
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                prop_assert_eq!(
                    (seen, updated.rows_affected(), deleted.rows_affected()),
                    (0, 0, 0)
                );
            }
            Op::ReadAll { tenant } => {
                let ids = own_ids(store, &tenants[tenant]).await;
                prop_assert_eq!(&ids, &model[tenant]);
            }
        }
    }
    for (i, tenant) in tenants.iter().enumerate() {
        prop_assert_eq!(&own_ids(store, tenant).await, &model[i]);
    }
    Ok(())
}

#[test]
fn random_operations_never_cross_tenants() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    let case = AtomicUsize::new(0);
    let mut runner = TestRunner::new(Config {
        cases: 12,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(op(), 10..60), |ops| {
            rt.block_on(async {
                // Fresh tenants per case (two pooled sharing one namespace, one schema, one
                // database), so every case starts from an empty model.
                let n = case.fetch_add(1, Ordering::SeqCst);
                let modes = [
                    IsolationMode::Pooled,
                    IsolationMode::Pooled,
                    IsolationMode::Schema,
                    IsolationMode::Database,
                ];
                let mut tenants = Vec::new();
                for (i, mode) in modes.into_iter().enumerate() {
                    let rec = create_tenant(&db.store, &format!("prop-{n}-{i}"), mode).await;
                    tenants.push(db.store.tenancy().resolve(&rec.slug).await.unwrap());
                }
                run_case(&db.store, &tenants, &ops).await
            })
        })
        .unwrap();
}
