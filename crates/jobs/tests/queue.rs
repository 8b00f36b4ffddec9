//! The PostgreSQL job queue against a real PostgreSQL, in all three isolation modes: emit is
//! transactional, every event is handled exactly once in effect, failures retry with backoff
//! and end as dead letters that can be replayed, shutdown releases claimed jobs, an expired
//! lease is taken over, and no tenant sees another's events or jobs.

use async_trait::async_trait;
use comply360_domain::IsolationMode;
use comply360_jobs::event::types;
use comply360_jobs::handlers::AuditTrail;
use comply360_jobs::run_jobs::postgres_worker;
use comply360_jobs::{
    Handler, HandlerError, JobContext, NewEvent, Outbox, RetryPolicy, Runner, Subscriptions,
    Transport, WorkerConfig, WorkerHandle, admin, queue,
};
use comply360_store::{Store, Tenant};
use comply360_testkit::{TestDb, audit_counts, count, create_tenant, eventually};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const MODES: [IsolationMode; 3] = [
    IsolationMode::Pooled,
    IsolationMode::Schema,
    IsolationMode::Database,
];

fn fast_policy(max_attempts: i32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        first_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
    }
}

/// Fails while `broken` is set; counts its calls.
struct Flaky {
    broken: Arc<AtomicBool>,
    calls: Arc<AtomicUsize>,
    permanent: bool,
}

#[async_trait]
impl Handler for Flaky {
    fn name(&self) -> &'static str {
        "test.flaky"
    }
    fn subscribes_to(&self) -> &'static [&'static str] {
        &["payment.received"]
    }
    fn retry_policy(&self) -> Option<RetryPolicy> {
        Some(fast_policy(3))
    }
    async fn handle(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.broken.load(Ordering::SeqCst) {
            return Err(if self.permanent {
                HandlerError::Permanent("the provider refused the payload".into())
            } else {
                HandlerError::Retryable("provider unavailable".into())
            });
        }
        // An effect in the same transaction as the inbox row.
        ctx.tx
            .query("INSERT INTO settings (tenant_id, key, value) VALUES ($1, $2, 'true')")
            .bind(ctx.tx.tenant_id().as_uuid())
            .bind(format!("flaky.{}", ctx.event.id.as_uuid().simple()))
            .execute(ctx.tx.conn())
            .await?;
        Ok(())
    }
}

/// Holds every job until released, so a test can stop the worker mid-job.
struct Slow {
    started: Arc<AtomicUsize>,
    release: Arc<tokio::sync::Notify>,
}

#[async_trait]
impl Handler for Slow {
    fn name(&self) -> &'static str {
        "test.slow"
    }
    fn subscribes_to(&self) -> &'static [&'static str] {
        &["commission.*"]
    }
    async fn handle(&self, _ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        self.started.fetch_add(1, Ordering::SeqCst);
        self.release.notified().await;
        Ok(())
    }
}

fn outbox(subs: Subscriptions) -> Outbox {
    Outbox::new(Arc::new(subs), Transport::Postgres)
}

fn start_worker(store: &Store, outbox: &Outbox, config: WorkerConfig) -> WorkerHandle {
    let runner = Runner::new(store.tenancy().clone(), outbox.clone(), config.job_timeout);
    postgres_worker(runner, store.listen_options(), config).spawn(CancellationToken::new())
}

fn quick_config() -> WorkerConfig {
    WorkerConfig {
        sweep_interval: Duration::from_secs(30),
        shutdown_grace: Duration::from_secs(5),
        ..WorkerConfig::default()
    }
}

async fn emit_many(
    store: &Store,
    outbox: &Outbox,
    tenant: &Tenant,
    event_type: &'static str,
    n: usize,
) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for chunk in 0..n.div_ceil(50) {
        let mut tx = store.tenancy().begin(tenant).await.unwrap();
        for i in 0..50.min(n - chunk * 50) {
            let event = NewEvent::new(event_type, "registration")
                .aggregate(Uuid::now_v7())
                .payload(serde_json::json!({ "n": chunk * 50 + i }));
            ids.push(outbox.emit(&mut tx, event).await.unwrap().as_uuid());
        }
        tx.commit().await.unwrap();
    }
    ids
}

#[tokio::test]
async fn emitted_events_are_handled_exactly_once_in_every_mode() {
    let db = TestDb::new().await;
    let outbox = outbox(Subscriptions::new(RetryPolicy::DEFAULT).with(AuditTrail));
    let mut tenants = Vec::new();
    for (i, mode) in MODES.into_iter().enumerate() {
        let record = create_tenant(&db.store, &format!("flow-{i}"), mode).await;
        tenants.push(db.store.tenancy().resolve(&record.slug).await.unwrap());
    }
    let worker = start_worker(&db.store, &outbox, quick_config());
    let mut emitted = Vec::new();
    for t in &tenants {
        emitted.push(emit_many(&db.store, &outbox, t, types::REGISTRATION_CREATED, 120).await);
    }
    for (t, ids) in tenants.iter().zip(&emitted) {
        eventually("every job done", Duration::from_secs(60), || async {
            count(
                &db.store,
                t,
                "SELECT count(*) FROM jobs WHERE tenant_id = $1 AND state = 'done'",
            )
            .await
                == 120
        })
        .await;
        let audit = audit_counts(&db.store, t).await;
        assert_eq!(audit.len(), 120, "{}", t.slug());
        for id in ids {
            assert_eq!(audit.get(id), Some(&1), "event {id} of {}", t.slug());
        }
        let inbox = count(
            &db.store,
            t,
            "SELECT count(*) FROM inbox WHERE tenant_id = $1",
        )
        .await;
        assert_eq!(inbox, 120);
    }
    // Each tenant sees only its own events and jobs.
    for t in &tenants {
        assert_eq!(
            count(&db.store, t, "SELECT count(*) FROM outbox_events").await,
            120,
            "unfiltered count in {}",
            t.slug()
        );
        assert_eq!(count(&db.store, t, "SELECT count(*) FROM jobs").await, 120);
    }
    worker.shutdown().await;
}

#[tokio::test]
async fn an_event_is_written_only_if_its_transaction_commits() {
    let db = TestDb::new().await;
    let outbox = outbox(Subscriptions::new(RetryPolicy::DEFAULT).with(AuditTrail));
    for (i, mode) in MODES.into_iter().enumerate() {
        let record = create_tenant(&db.store, &format!("txn-{i}"), mode).await;
        let t = db.store.tenancy().resolve(&record.slug).await.unwrap();
        let mut tx = db.store.tenancy().begin(&t).await.unwrap();
        outbox
            .emit(
                &mut tx,
                NewEvent::new(types::REGISTRATION_CREATED, "registration"),
            )
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(
            count(
                &db.store,
                &t,
                "SELECT count(*) FROM outbox_events WHERE tenant_id = $1"
            )
            .await,
            0
        );
        assert_eq!(
            count(
                &db.store,
                &t,
                "SELECT count(*) FROM jobs WHERE tenant_id = $1"
            )
            .await,
            0
        );

        let mut tx = db.store.tenancy().begin(&t).await.unwrap();
        outbox
            .emit(
                &mut tx,
                NewEvent::new(types::REGISTRATION_CREATED, "registration"),
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // Committed, the event waits unrelayed; a worker's dispatch writes its job, once.
        let unrelayed =
            "SELECT count(*) FROM outbox_events WHERE tenant_id = $1 AND relayed_at IS NULL";
        let queued = "SELECT count(*) FROM jobs WHERE tenant_id = $1 AND state = 'queued'";
        assert_eq!(count(&db.store, &t, unrelayed).await, 1);
        assert_eq!(count(&db.store, &t, queued).await, 0);
        for expected in [
            queue::Dispatched { events: 1, jobs: 1 },
            queue::Dispatched::default(),
        ] {
            let mut tx = db.store.tenancy().begin(&t).await.unwrap();
            let dispatched = queue::dispatch(&mut tx, outbox.subscriptions(), 10)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            assert_eq!(dispatched, expected, "{mode:?}");
        }
        assert_eq!(count(&db.store, &t, unrelayed).await, 0);
        assert_eq!(count(&db.store, &t, queued).await, 1);
    }
    // An unknown event type is refused before anything is written.
    let t = db.store.tenancy().resolve("txn-0").await.unwrap();
    let mut tx = db.store.tenancy().begin(&t).await.unwrap();
    let err = outbox
        .emit(
            &mut tx,
            NewEvent::new("registration.exploded", "registration"),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("registration.exploded"), "{err}");
}

#[tokio::test]
async fn failures_retry_with_backoff_then_dead_letter_and_replay_after_a_fix() {
    let db = TestDb::new().await;
    let broken = Arc::new(AtomicBool::new(true));
    let calls = Arc::new(AtomicUsize::new(0));
    let outbox = outbox(Subscriptions::new(RetryPolicy::DEFAULT).with(Flaky {
        broken: broken.clone(),
        calls: calls.clone(),
        permanent: false,
    }));
    let record = create_tenant(&db.store, "poison", IsolationMode::Schema).await;
    let t = db.store.tenancy().resolve(&record.slug).await.unwrap();
    let worker = start_worker(&db.store, &outbox, quick_config());
    let started = Instant::now();
    emit_many(&db.store, &outbox, &t, types::PAYMENT_RECEIVED, 1).await;
    eventually("the job to die", Duration::from_secs(20), || async {
        count(
            &db.store,
            &t,
            "SELECT count(*) FROM jobs WHERE tenant_id = $1 AND state = 'dead'",
        )
        .await
            == 1
    })
    .await;
    // Three attempts, with at least the first two backoff delays (25 ms + 50 ms minimum) between.
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert!(started.elapsed() >= Duration::from_millis(75));
    let dead = admin::list(db.store.tenancy(), Some("poison"), &["dead"], 10)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].job.attempts, 3);
    assert_eq!(
        dead[0].job.last_error.as_deref(),
        Some("provider unavailable")
    );
    assert_eq!(
        count(
            &db.store,
            &t,
            "SELECT count(*) FROM inbox WHERE tenant_id = $1"
        )
        .await,
        0,
        "no inbox row for a failed job"
    );

    // Replaying a job that is not dead is refused; an unknown id is reported.
    let err = admin::retry(
        db.store.tenancy(),
        None,
        comply360_domain::JobId::new(),
        Transport::Postgres,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("no job"), "{err}");

    broken.store(false, Ordering::SeqCst);
    let replayed = admin::retry(
        db.store.tenancy(),
        None,
        dead[0].job.id,
        Transport::Postgres,
    )
    .await
    .unwrap();
    assert_eq!(replayed.tenant, "poison");
    eventually(
        "the replayed job to finish",
        Duration::from_secs(20),
        || async {
            count(
                &db.store,
                &t,
                "SELECT count(*) FROM jobs WHERE tenant_id = $1 AND state = 'done'",
            )
            .await
                == 1
        },
    )
    .await;
    assert_eq!(
        count(
            &db.store,
            &t,
            "SELECT count(*) FROM settings WHERE tenant_id = $1 AND key LIKE 'flaky.%'"
        )
        .await,
        1
    );
    let err = admin::retry(
        db.store.tenancy(),
        Some("poison"),
        dead[0].job.id,
        Transport::Postgres,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("not dead"), "{err}");
    worker.shutdown().await;
}

#[tokio::test]
async fn permanent_failures_die_at_once_and_purge_removes_old_dead_letters() {
    let db = TestDb::new().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let outbox = outbox(Subscriptions::new(RetryPolicy::DEFAULT).with(Flaky {
        broken: Arc::new(AtomicBool::new(true)),
        calls: calls.clone(),
        permanent: true,
    }));
    let record = create_tenant(&db.store, "refused", IsolationMode::Pooled).await;
    let t = db.store.tenancy().resolve(&record.slug).await.unwrap();
    emit_many(&db.store, &outbox, &t, types::PAYMENT_RECEIVED, 3).await;
    let runner = Runner::new(
        db.store.tenancy().clone(),
        outbox.clone(),
        Duration::from_secs(5),
    );
    comply360_jobs::run_due(&runner, &t).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3, "one attempt each");
    assert_eq!(
        count(
            &db.store,
            &t,
            "SELECT count(*) FROM jobs WHERE tenant_id = $1 AND state = 'dead'"
        )
        .await,
        3
    );

    let none = admin::purge_dead(
        db.store.tenancy(),
        Some("refused"),
        Duration::from_secs(3600),
    )
    .await
    .unwrap();
    assert!(none.is_empty(), "fresh dead letters are kept");
    tokio::time::sleep(Duration::from_millis(20)).await;
    let purged = admin::purge_dead(
        db.store.tenancy(),
        Some("refused"),
        Duration::from_millis(10),
    )
    .await
    .unwrap();
    assert_eq!(purged, vec![("refused".to_owned(), 3)]);
    assert_eq!(
        count(
            &db.store,
            &t,
            "SELECT count(*) FROM jobs WHERE tenant_id = $1"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn shutdown_releases_claimed_jobs_and_an_expired_lease_is_taken_over() {
    let db = TestDb::new().await;
    let started = Arc::new(AtomicUsize::new(0));
    let release = Arc::new(tokio::sync::Notify::new());
    let outbox = outbox(Subscriptions::new(RetryPolicy::DEFAULT).with(Slow {
        started: started.clone(),
        release: release.clone(),
    }));
    let record = create_tenant(&db.store, "slowpoke", IsolationMode::Database).await;
    let t = db.store.tenancy().resolve(&record.slug).await.unwrap();
    emit_many(&db.store, &outbox, &t, types::COMMISSION_CALCULATED, 4).await;
    let config = WorkerConfig {
        shutdown_grace: Duration::from_millis(200),
        concurrency: 4,
        ..quick_config()
    };
    let worker = start_worker(&db.store, &outbox, config);
    eventually("four jobs running", Duration::from_secs(20), || async {
        started.load(Ordering::SeqCst) == 4
    })
    .await;
    assert_eq!(
        count(
            &db.store,
            &t,
            "SELECT count(*) FROM jobs WHERE tenant_id = $1 AND state = 'running'"
        )
        .await,
        4
    );
    // Grace runs out while the handlers still wait: the jobs are given back, attempt refunded.
    worker.shutdown().await;
    assert_eq!(count(&db.store, &t, "SELECT count(*) FROM jobs WHERE tenant_id = $1 AND state = 'queued' AND attempts = 0 AND locked_by IS NULL").await, 4);

    // A worker that vanishes without releasing: its lease runs out and another takes over.
    let mut tx = db.store.tenancy().begin(&t).await.unwrap();
    let claimed = queue::claim(&mut tx, "vanished-worker", Duration::from_millis(300), 10)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(claimed.len(), 4);
    let runner = Runner::new(
        db.store.tenancy().clone(),
        outbox.clone(),
        Duration::from_secs(5),
    );
    assert_eq!(
        comply360_jobs::run_due(&runner, &t).await.unwrap(),
        0,
        "leased jobs are not taken early"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let handle = tokio::spawn({
        let runner = runner.clone();
        let t = t.clone();
        async move { comply360_jobs::run_due(&runner, &t).await.unwrap() }
    });
    for _ in 0..40 {
        release.notify_waiters();
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(handle.await.unwrap(), 4);
    assert_eq!(
        count(
            &db.store,
            &t,
            "SELECT count(*) FROM jobs WHERE tenant_id = $1 AND state = 'done' AND attempts = 2"
        )
        .await,
        4
    );
}

/// Two tenants of the same mode: neither sees, claims, replays nor writes the other's
/// events, jobs or inbox rows; a connection without tenant context sees none at all.
async fn event_tables_are_isolated(mode: IsolationMode, tag: &str) {
    let db = TestDb::new().await;
    let outbox = outbox(Subscriptions::new(RetryPolicy::DEFAULT).with(AuditTrail));
    let a = create_tenant(&db.store, &format!("{tag}-a"), mode).await;
    let b = create_tenant(&db.store, &format!("{tag}-b"), mode).await;
    let a = db.store.tenancy().resolve(&a.slug).await.unwrap();
    let b = db.store.tenancy().resolve(&b.slug).await.unwrap();
    emit_many(&db.store, &outbox, &a, types::REGISTRATION_CREATED, 5).await;

    for table in ["outbox_events", "jobs", "inbox"] {
        assert_eq!(
            count(&db.store, &b, &format!("SELECT count(*) FROM {table}")).await,
            0,
            "{mode:?} {table}"
        );
    }
    // B's worker claims nothing of A's, and A's dead letters cannot be replayed from B.
    let mut tx = db.store.tenancy().begin(&b).await.unwrap();
    assert!(
        queue::claim(&mut tx, "b-worker", Duration::from_secs(60), 100)
            .await
            .unwrap()
            .is_empty()
    );
    // Nor does its dispatch take A's waiting events; A's own dispatch writes their jobs.
    assert_eq!(
        queue::dispatch(&mut tx, outbox.subscriptions(), 100)
            .await
            .unwrap(),
        queue::Dispatched::default(),
        "{mode:?}"
    );
    tx.commit().await.unwrap();
    let mut tx = db.store.tenancy().begin(&a).await.unwrap();
    assert_eq!(
        queue::dispatch(&mut tx, outbox.subscriptions(), 100)
            .await
            .unwrap(),
        queue::Dispatched { events: 5, jobs: 5 },
        "{mode:?}"
    );
    tx.commit().await.unwrap();
    let runner = Runner::new(
        db.store.tenancy().clone(),
        outbox.clone(),
        Duration::from_secs(5),
    );
    assert_eq!(comply360_jobs::run_due(&runner, &b).await.unwrap(), 0);
    let a_jobs = admin::list(db.store.tenancy(), Some(a.slug()), &["queued"], 10)
        .await
        .unwrap();
    assert_eq!(a_jobs.len(), 5);
    let err = admin::retry(
        db.store.tenancy(),
        Some(b.slug()),
        a_jobs[0].job.id,
        Transport::Postgres,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("no job"), "{err}");

    // Writing a row that names A from B's transaction is refused by RLS (42501).
    let mut tx = db.store.tenancy().begin(&b).await.unwrap();
    let err = tx
        .query("INSERT INTO outbox_events (tenant_id, id, event_type, aggregate_type) VALUES ($1, $2, 'registration.created', 'registration')")
        .bind(a.id().as_uuid())
        .bind(Uuid::now_v7())
        .execute(tx.conn())
        .await
        .unwrap_err();
    assert_eq!(
        err.as_database_error().and_then(|e| e.code()).as_deref(),
        Some("42501"),
        "{err}"
    );
    drop(tx);

    // A's jobs run and fill only A's inbox.
    assert_eq!(comply360_jobs::run_due(&runner, &a).await.unwrap(), 5);
    assert_eq!(count(&db.store, &a, "SELECT count(*) FROM inbox").await, 5);
    assert_eq!(count(&db.store, &b, "SELECT count(*) FROM inbox").await, 0);

    // The app role with no tenant context sees nothing (pooled and schema live in the app db).
    if mode != IsolationMode::Database {
        let schema = &a.record().placement.schema;
        let n: i64 =
            sqlx::query_scalar(&format!("SELECT count(*) FROM \"{schema}\".outbox_events"))
                .fetch_one(db.store.tenancy().app_pool())
                .await
                .unwrap();
        assert_eq!(n, 0, "{mode:?}: no context, no rows");
    }
}

#[tokio::test]
async fn event_tables_are_isolated_pooled() {
    event_tables_are_isolated(IsolationMode::Pooled, "evi-pooled").await;
}

#[tokio::test]
async fn event_tables_are_isolated_schema() {
    event_tables_are_isolated(IsolationMode::Schema, "evi-schema").await;
}

#[tokio::test]
async fn event_tables_are_isolated_database() {
    event_tables_are_isolated(IsolationMode::Database, "evi-db").await;
}

/// A batching handler that refuses odd-numbered events: inside one batch the refused jobs are
/// rolled back to their savepoints and dead-lettered, the others commit with their effects.
struct Picky;

#[async_trait]
impl Handler for Picky {
    fn name(&self) -> &'static str {
        "test.picky"
    }
    fn subscribes_to(&self) -> &'static [&'static str] {
        &["document.*"]
    }
    fn runs_in_batches(&self) -> bool {
        true
    }
    async fn handle(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        let n = ctx.event.payload["n"].as_u64().unwrap();
        // Write first, then fail: the savepoint must take the write back.
        ctx.tx
            .query("INSERT INTO settings (tenant_id, key, value) VALUES ($1, $2, 'true')")
            .bind(ctx.tx.tenant_id().as_uuid())
            .bind(format!("picky.n{n}"))
            .execute(ctx.tx.conn())
            .await?;
        if n % 2 == 1 {
            return Err(HandlerError::Permanent(format!("odd: {n}")));
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_batch_commits_its_successes_and_rolls_back_each_failure_alone() {
    let db = TestDb::new().await;
    let outbox = outbox(Subscriptions::new(RetryPolicy::DEFAULT).with(Picky));
    let record = create_tenant(&db.store, "batchy", IsolationMode::Schema).await;
    let t = db.store.tenancy().resolve(&record.slug).await.unwrap();
    emit_many(&db.store, &outbox, &t, types::DOCUMENT_UPLOADED, 40).await;
    let worker = start_worker(&db.store, &outbox, quick_config());
    eventually("every job settled", Duration::from_secs(30), || async {
        count(
            &db.store,
            &t,
            "SELECT count(*) FROM jobs WHERE tenant_id = $1 AND state IN ('done', 'dead')",
        )
        .await
            == 40
    })
    .await;
    worker.shutdown().await;
    assert_eq!(
        count(
            &db.store,
            &t,
            "SELECT count(*) FROM jobs WHERE tenant_id = $1 AND state = 'done'"
        )
        .await,
        20
    );
    assert_eq!(count(&db.store, &t, "SELECT count(*) FROM jobs WHERE tenant_id = $1 AND state = 'dead' AND last_error LIKE 'odd: %'").await, 20);
    assert_eq!(
        count(
            &db.store,
            &t,
            "SELECT count(*) FROM inbox WHERE tenant_id = $1"
        )
        .await,
        20,
        "only successes keep an inbox row"
    );
    let mut tx = db.store.tenancy().begin(&t).await.unwrap();
    let keys: Vec<String> = tx
        .query_scalar("SELECT key FROM settings WHERE tenant_id = $1 AND key LIKE 'picky.%'")
        .bind(t.id().as_uuid())
        .fetch_all(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(keys.len(), 20, "{keys:?}");
    for key in keys {
        let n: u64 = key.trim_start_matches("picky.n").parse().unwrap();
        assert_eq!(n % 2, 0, "an odd event's write survived: {key}");
    }
}
