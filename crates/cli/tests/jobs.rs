//! The job worker as a separate `comply360 serve --role worker` process: killed with SIGKILL
//! in the middle of a batch, restarted, and every event is then handled exactly once in
//! effect and none is lost. Also the `jobs` commands on the same data.

use crate::support::comply360;
use comply360_domain::IsolationMode;
use comply360_jobs::NewEvent;
use comply360_jobs::event::types;
use comply360_store::{Store, Tenant};
use comply360_testkit::{TestDb, count, create_tenant, default_outbox, free_port};
use std::collections::HashMap;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use uuid::Uuid;

const PER_TENANT: usize = 1500;

fn start_worker(db: &TestDb) -> Child {
    let port = free_port();
    comply360(db)
        .args([
            "serve",
            "--role",
            "worker",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        // A short lease so the killed worker's jobs come back quickly.
        .env("COMPLY360_METRICS_LISTEN", "127.0.0.1:0")
        .env("COMPLY360_JOBS_LEASE_SECS", "3")
        .env("COMPLY360_JOBS_TIMEOUT_SECS", "2")
        .env("COMPLY360_JOBS_SWEEP_SECS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn emit(store: &Store, tenant: &Tenant, n: usize) -> Vec<Uuid> {
    let outbox = default_outbox();
    let mut ids = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(100) {
        let mut tx = store.tenancy().begin(tenant).await.unwrap();
        for i in chunk {
            // An event only the audit trail takes (payment.received now also sends the
            // client a receipt, which a payload without a client refuses).
            let event = NewEvent::new(types::TENANT_MOVED, "tenant")
                .aggregate(Uuid::now_v7())
                .payload(serde_json::json!({ "amount_cents": 1000 + i }));
            ids.push(outbox.emit(&mut tx, event).await.unwrap().as_uuid());
        }
        tx.commit().await.unwrap();
    }
    ids
}

async fn done(store: &Store, tenants: &[std::sync::Arc<Tenant>]) -> i64 {
    let mut total = 0;
    for t in tenants {
        total += count(
            store,
            t,
            "SELECT count(*) FROM jobs WHERE tenant_id = $1 AND state = 'done'",
        )
        .await;
    }
    total
}

#[tokio::test]
async fn a_worker_killed_mid_batch_loses_nothing_and_repeats_nothing() {
    let db = TestDb::new().await;
    let mut tenants = Vec::new();
    let mut emitted = Vec::new();
    for (slug, mode) in [
        ("crash-pooled", IsolationMode::Pooled),
        ("crash-schema", IsolationMode::Schema),
        ("crash-db", IsolationMode::Database),
    ] {
        create_tenant(&db.store, slug, mode).await;
        let t = db.store.tenancy().resolve(slug).await.unwrap();
        emitted.push(emit(&db.store, &t, PER_TENANT).await);
        tenants.push(t);
    }
    let total = i64::try_from(3 * PER_TENANT).unwrap();

    // Let the first worker get going, then kill it without warning.
    let mut worker = start_worker(&db);
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let n = done(&db.store, &tenants).await;
        if n >= total / 5 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the worker made no progress ({n} done)"
        );
        assert!(
            worker.try_wait().unwrap().is_none(),
            "the worker exited early"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(worker.id()).unwrap()),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    worker.wait().unwrap();
    let done_at_kill = done(&db.store, &tenants).await;
    let mut running_at_kill = 0;
    for t in &tenants {
        running_at_kill += count(
            &db.store,
            t,
            "SELECT count(*) FROM jobs WHERE tenant_id = $1 AND state = 'running'",
        )
        .await;
    }
    assert!(
        done_at_kill < total,
        "killed before the end ({done_at_kill} of {total} done)"
    );
    assert!(
        running_at_kill > 0,
        "killed in the middle of a batch: jobs were claimed and unfinished"
    );

    // A new worker takes over, including the dead worker's jobs once their lease expires.
    let mut worker = start_worker(&db);
    let deadline = Instant::now() + Duration::from_secs(120);
    while done(&db.store, &tenants).await < total {
        assert!(
            Instant::now() < deadline,
            "not every job finished after the restart"
        );
        assert!(worker.try_wait().unwrap().is_none(), "the worker exited");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    for (t, ids) in tenants.iter().zip(&emitted) {
        let mut tx = db.store.tenancy().begin(t).await.unwrap();
        let rows: Vec<(String, i64)> = tx
            .query_as(
                "SELECT detail->>'event_id', count(*) FROM audit_log
                 WHERE tenant_id = $1 AND detail ? 'event_id' GROUP BY 1",
            )
            .bind(t.id().as_uuid())
            .fetch_all(tx.conn())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let effects: HashMap<Uuid, i64> = rows
            .into_iter()
            .map(|(id, n)| (id.parse().unwrap(), n))
            .collect();
        assert_eq!(
            effects.len(),
            ids.len(),
            "one effect per event in {}",
            t.slug()
        );
        for id in ids {
            assert_eq!(effects.get(id), Some(&1), "event {id} in {}", t.slug());
        }
        assert_eq!(
            count(
                &db.store,
                t,
                "SELECT count(*) FROM inbox WHERE tenant_id = $1"
            )
            .await,
            i64::try_from(ids.len()).unwrap()
        );
        assert_eq!(
            count(
                &db.store,
                t,
                "SELECT count(*) FROM jobs WHERE tenant_id = $1 AND state <> 'done'"
            )
            .await,
            0
        );
    }

    // SIGTERM stops the worker gracefully.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(worker.id()).unwrap()),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert!(worker.wait().unwrap().success());

    // The operator's view agrees: nothing queued, nothing dead.
    let out = comply360(&db).args(["jobs", "list"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "no jobs");
    eprintln!("killed with {done_at_kill} of {total} done and {running_at_kill} claimed");
}
