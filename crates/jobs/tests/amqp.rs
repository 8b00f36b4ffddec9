//! The RabbitMQ transport against a real broker (RabbitMQ on 127.0.0.1:5672, `rabbitmqctl`
//! on PATH, run as a user it accepts). Each test gets its own vhost, removed at the end.
//!
//! The tests run one at a time (one lock): one of them restarts the broker. Without a broker
//! they are skipped, unless `CI=true`, where a missing broker fails them.

use async_trait::async_trait;
use comply360_domain::{EventId, IsolationMode};
use comply360_jobs::amqp::{self, AmqpHandle, AmqpSettings, topology};
use comply360_jobs::event::{Event, types};
use comply360_jobs::handlers::AuditTrail;
use comply360_jobs::{
    Handler, HandlerError, JobContext, NewEvent, Outbox, RetryPolicy, Runner, Subscriptions,
    Transport, WorkerConfig, queue,
};
use comply360_store::{Store, Tenant};
use comply360_testkit::{TestDb, audit_counts, count, eventually};
use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, QueueBindOptions, QueueDeclareOptions,
    QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Whether the broker is there; under `CI=true` its absence fails the test instead.
fn broker_available() -> bool {
    let addr = "127.0.0.1:5672".parse().unwrap();
    let reachable = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok();
    let ctl = Command::new("rabbitmqctl").arg("help").output().is_ok();
    if reachable && ctl {
        return true;
    }
    if comply360_testkit::ci() {
        panic!(
            "RabbitMQ is not usable (port 5672 reachable: {reachable}, rabbitmqctl: {ctl}); \
             scripts/test starts it with `rabbitmq-server -detached`"
        );
    }
    eprintln!("skipped: RabbitMQ is not running on 127.0.0.1:5672");
    false
}

fn rabbitmqctl(args: &[&str]) {
    let out = Command::new("rabbitmqctl")
        .args(args)
        .output()
        .expect("run rabbitmqctl");
    assert!(
        out.status.success(),
        "rabbitmqctl {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A vhost of its own for one test, deleted (with everything in it) on drop.
struct Vhost {
    name: String,
}

impl Vhost {
    fn create(test: &str) -> Vhost {
        let name = format!(
            "c360test-{test}-{}",
            &Uuid::new_v4().simple().to_string()[..8]
        );
        rabbitmqctl(&["add_vhost", &name]);
        rabbitmqctl(&["set_permissions", "-p", &name, "guest", ".*", ".*", ".*"]);
        Vhost { name }
    }

    fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:5672/{}", self.name)
    }
}

/// Vhost deletions still running. `rabbitmqctl` takes a second or two to start, so a vhost
/// is deleted in the background while the next test begins; the restart test waits for
/// these first.
static DELETING: Mutex<Vec<Child>> = Mutex::new(Vec::new());

impl Drop for Vhost {
    fn drop(&mut self) {
        let deleting = Command::new("rabbitmqctl")
            .args(["-q", "delete_vhost", &self.name])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        if let Ok(child) = deleting {
            DELETING
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(child);
        }
    }
}

fn finish_deletions() {
    let children: Vec<Child> =
        std::mem::take(&mut *DELETING.lock().unwrap_or_else(|e| e.into_inner()));
    for mut child in children {
        let _ = child.wait();
    }
}

/// A vhost (still being made: `rabbitmqctl` is slow to start, so tests set up their tenants
/// meanwhile) and a fresh test database.
async fn setup(test: &'static str) -> (JoinHandle<Vhost>, TestDb) {
    let vhost = tokio::task::spawn_blocking(move || Vhost::create(test));
    (vhost, TestDb::new().await)
}

/// The transport over the test database, in the vhost, with quick timings.
async fn start(
    db: &TestDb,
    vhost: JoinHandle<Vhost>,
    subs: Subscriptions,
) -> (Vhost, Outbox, AmqpHandle) {
    let vhost = vhost.await.unwrap();
    let outbox = Outbox::new(Arc::new(subs), Transport::Rabbitmq);
    let runner = Runner::new(
        db.store.tenancy().clone(),
        outbox.clone(),
        Duration::from_secs(30),
    );
    let settings = AmqpSettings {
        url: vhost.url(),
        reconnect_min: Duration::from_millis(100),
        reconnect_max: Duration::from_millis(500),
        confirm_timeout: Duration::from_secs(5),
        ..AmqpSettings::default()
    };
    let config = WorkerConfig {
        sweep_interval: Duration::from_secs(1),
        lease: Duration::from_secs(10),
        shutdown_grace: Duration::from_secs(5),
        ..WorkerConfig::default()
    };
    let handle = amqp::start(
        runner,
        settings,
        db.store.listen_options(),
        config,
        CancellationToken::new(),
    )
    .expect("start the transport");
    assert!(
        handle.wait_connected(Duration::from_secs(10)).await,
        "the transport did not connect"
    );
    (vhost, outbox, handle)
}

async fn tenants(db: &TestDb, prefix: &str) -> Vec<Arc<Tenant>> {
    let mut out = Vec::new();
    for (mode, tag) in [
        (IsolationMode::Pooled, "p"),
        (IsolationMode::Schema, "s"),
        (IsolationMode::Database, "d"),
    ] {
        let record = db.tenant(&format!("{prefix}-{tag}"), mode).await;
        out.push(db.store.tenancy().resolve_id(record.id).await.unwrap());
    }
    out
}

async fn emit(
    store: &Store,
    outbox: &Outbox,
    tenant: &Tenant,
    event_type: &'static str,
) -> EventId {
    let mut tx = store.tenancy().begin(tenant).await.unwrap();
    let id = outbox
        .emit(
            &mut tx,
            NewEvent::new(event_type, "registration")
                .aggregate(Uuid::now_v7())
                .payload(serde_json::json!({ "step": event_type })),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn unrelayed(store: &Store, tenant: &Tenant) -> i64 {
    count(
        store,
        tenant,
        "SELECT count(*) FROM outbox_events WHERE tenant_id = $1 AND relayed_at IS NULL",
    )
    .await
}

/// Job counts by (handler, state).
async fn job_states(store: &Store, tenant: &Tenant) -> HashMap<(String, String), i64> {
    let mut tx = store.tenancy().begin(tenant).await.unwrap();
    let rows: Vec<(String, String, i64)> = tx
        .query_as("SELECT handler, state, count(*) FROM jobs WHERE tenant_id = $1 GROUP BY 1, 2")
        .bind(tenant.id().as_uuid())
        .fetch_all(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    rows.into_iter().map(|(h, s, n)| ((h, s), n)).collect()
}

/// Messages waiting in a queue of the vhost (a passive declare; the queue must exist).
async fn queue_depth(vhost: &Vhost, queue: &str) -> u32 {
    let conn = Connection::connect(&vhost.url(), ConnectionProperties::default())
        .await
        .unwrap();
    let channel = conn.create_channel().await.unwrap();
    let q = channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions::durable().passive(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let _ = conn.close(200, "bye".into()).await;
    q.message_count()
}

/// Every emitted event has exactly one audit row, nothing is left unrelayed, and every job
/// of `handler` is done.
async fn all_handled_once(
    store: &Store,
    tenants: &[Arc<Tenant>],
    audited: &HashMap<Uuid, Vec<Uuid>>,
) -> Result<(), String> {
    for tenant in tenants {
        let expected = &audited[&tenant.id().as_uuid()];
        let counts = audit_counts(store, tenant).await;
        let missing = expected
            .iter()
            .filter(|id| !counts.contains_key(id))
            .count();
        let twice: Vec<_> = counts.iter().filter(|(_, n)| **n != 1).collect();
        assert!(
            twice.is_empty(),
            "events with more than one audit row: {twice:?}"
        );
        assert!(
            counts.keys().all(|id| expected.contains(id)),
            "audit rows for events never emitted"
        );
        let left = unrelayed(store, tenant).await;
        let states = job_states(store, tenant).await;
        let unfinished: i64 = states
            .iter()
            .filter(|((_, s), _)| s != "done")
            .map(|(_, n)| n)
            .sum();
        if missing > 0 || left > 0 || unfinished > 0 {
            return Err(format!(
                "{}: {missing} events without audit row, {left} unrelayed, jobs {states:?}",
                tenant.slug()
            ));
        }
    }
    Ok(())
}

/// Records which events it saw; subscribes to documents only.
#[derive(Clone, Default)]
struct DocumentsOnly {
    seen: Arc<Mutex<Vec<String>>>,
}

#[async_trait]
impl Handler for DocumentsOnly {
    fn name(&self) -> &'static str {
        "test.documents"
    }

    fn subscribes_to(&self) -> &'static [&'static str] {
        &["document.*"]
    }

    async fn handle(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        self.seen.lock().unwrap().push(ctx.event.event_type.clone());
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_flow_end_to_end_exactly_once() {
    let _serial = SERIAL.lock().await;
    if !broker_available() {
        return;
    }
    let started = Instant::now();
    let (pending, db) = setup("flow").await;
    let docs = DocumentsOnly::default();
    let subs = Subscriptions::new(RetryPolicy::DEFAULT)
        .with(AuditTrail)
        .with(docs.clone());
    let tenants = tenants(&db, "flow").await;
    let (vhost, outbox, handle) = start(&db, pending, subs).await;

    // notification.sent has no subscriber here: relayed (and dropped by the broker) all the same.
    let kinds = [
        types::REGISTRATION_CREATED,
        types::DOCUMENT_UPLOADED,
        types::PAYMENT_RECEIVED,
        types::NOTIFICATION_SENT,
    ];
    let mut audited: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    let emitting = Instant::now();
    for i in 0..20 {
        for tenant in &tenants {
            let kind = kinds[i % kinds.len()];
            let id = emit(&db.store, &outbox, tenant, kind).await;
            let list = audited.entry(tenant.id().as_uuid()).or_default();
            if kind != types::NOTIFICATION_SENT {
                list.push(id.as_uuid());
            }
        }
    }
    eventually("every event handled once", Duration::from_secs(20), || {
        all_handled_once(&db.store, &tenants, &audited)
    })
    .await;
    let drained = emitting.elapsed();

    let seen = docs.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 15, "document events of three tenants: {seen:?}");
    assert!(seen.iter().all(|t| t == types::DOCUMENT_UPLOADED));
    assert_eq!(queue_depth(&vhost, "c360.audit.trail").await, 0);
    assert_eq!(queue_depth(&vhost, "c360.test.documents").await, 0);
    assert_eq!(queue_depth(&vhost, topology::DEAD_LETTER_QUEUE).await, 0);

    let stopping = Instant::now();
    handle.shutdown().await;
    let stopped = stopping.elapsed();
    assert!(
        stopped < Duration::from_secs(5),
        "shutdown took {stopped:?}"
    );
    eprintln!(
        "end to end: 60 events (45 audited) emitted and handled in {drained:?}; shutdown {stopped:?}; test {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_restart_mid_stream_loses_and_duplicates_nothing() {
    let _serial = SERIAL.lock().await;
    if !broker_available() {
        return;
    }
    let started = Instant::now();
    let (pending, db) = setup("restart").await;
    let subs = Subscriptions::new(RetryPolicy::DEFAULT).with(AuditTrail);
    let tenants = tenants(&db, "rst").await;
    let (vhost, outbox, handle) = start(&db, pending, subs).await;

    // The emitter runs until the broker is back and 50 more events have gone out (a fixed
    // count could all be emitted before a loaded machine has even stopped the broker).
    const AFTER_RESTART: usize = 50;
    let stop_emitting = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let emitted = Arc::new(Mutex::new(HashMap::<Uuid, Vec<Uuid>>::new()));
    let (progress_tx, mut progress) = tokio::sync::watch::channel(0usize);
    let emitter = {
        let store = db.store.clone();
        let outbox = outbox.clone();
        let tenants = tenants.clone();
        let emitted = emitted.clone();
        let stop_emitting = stop_emitting.clone();
        tokio::spawn(async move {
            let mut i = 0;
            while !stop_emitting.load(std::sync::atomic::Ordering::Relaxed) {
                let tenant = &tenants[i % tenants.len()];
                let kind = if i % 2 == 0 {
                    types::REGISTRATION_SUBMITTED
                } else {
                    types::DOCUMENT_VERIFIED
                };
                let id = emit(&store, &outbox, tenant, kind).await;
                emitted
                    .lock()
                    .unwrap()
                    .entry(tenant.id().as_uuid())
                    .or_default()
                    .push(id.as_uuid());
                i += 1;
                let _ = progress_tx.send(i);
                tokio::time::sleep(Duration::from_millis(15)).await;
            }
            i
        })
    };

    progress.wait_for(|n| *n >= 100).await.unwrap();
    let outage = Instant::now();
    tokio::task::spawn_blocking(|| {
        finish_deletions();
        rabbitmqctl(&["stop_app"]);
    })
    .await
    .unwrap();
    let at_stop = *progress.borrow();
    eventually(
        "the transport notices the outage",
        Duration::from_secs(3),
        || async {
            if handle.is_connected() {
                Err("still connected".to_owned())
            } else {
                Ok(())
            }
        },
    )
    .await;
    tokio::task::spawn_blocking(|| rabbitmqctl(&["start_app"]))
        .await
        .unwrap();
    let at_start = *progress.borrow();
    let down_for = outage.elapsed();
    progress
        .wait_for(|n| *n >= at_start + AFTER_RESTART)
        .await
        .unwrap();
    stop_emitting.store(true, std::sync::atomic::Ordering::Relaxed);
    let events = emitter.await.unwrap();
    assert!(
        at_start > at_stop,
        "events must be emitted while the broker is down (at stop {at_stop}, at start {at_start})"
    );

    let recovering = Instant::now();
    let audited = emitted.lock().unwrap().clone();
    eventually(
        "every event handled once after the restart",
        Duration::from_secs(30),
        || all_handled_once(&db.store, &tenants, &audited),
    )
    .await;
    let recovered = recovering.elapsed();
    assert_eq!(queue_depth(&vhost, topology::DEAD_LETTER_QUEUE).await, 0);
    assert_eq!(queue_depth(&vhost, "c360.audit.trail").await, 0);
    handle.shutdown().await;
    eprintln!(
        "restart: {events} events over 3 tenants; broker down for {down_for:?} \
         ({} events emitted meanwhile); all handled exactly once {recovered:?} after the emitter ended; test {:?}",
        at_start - at_stop,
        started.elapsed()
    );
}

/// Fails every time, and records when it was called (to check the backoff was kept).
#[derive(Clone, Default)]
struct AlwaysFails {
    calls: Arc<Mutex<HashMap<Uuid, Vec<Instant>>>>,
}

const FAST_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 3,
    first_delay: Duration::from_millis(200),
    max_delay: Duration::from_millis(400),
};

#[async_trait]
impl Handler for AlwaysFails {
    fn name(&self) -> &'static str {
        "test.always_fails"
    }

    fn subscribes_to(&self) -> &'static [&'static str] {
        &["registration.*"]
    }

    fn retry_policy(&self) -> Option<RetryPolicy> {
        Some(FAST_RETRY)
    }

    async fn handle(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        self.calls
            .lock()
            .unwrap()
            .entry(ctx.event.id.as_uuid())
            .or_default()
            .push(Instant::now());
        Err(HandlerError::Retryable("the registry is down".into()))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_always_fails_is_dead_lettered_after_its_attempts() {
    let _serial = SERIAL.lock().await;
    if !broker_available() {
        return;
    }
    let started = Instant::now();
    let (pending, db) = setup("dead").await;
    let failing = AlwaysFails::default();
    let subs = Subscriptions::new(RetryPolicy::DEFAULT)
        .with(AuditTrail)
        .with(failing.clone());
    let record = db.tenant("dead-s", IsolationMode::Schema).await;
    let (vhost, outbox, handle) = start(&db, pending, subs).await;
    let tenant = db.store.tenancy().resolve_id(record.id).await.unwrap();

    let emitting = Instant::now();
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(emit(&db.store, &outbox, &tenant, types::REGISTRATION_CREATED).await);
    }
    eventually("three dead letters", Duration::from_secs(20), || async {
        let depth = queue_depth(&vhost, topology::DEAD_LETTER_QUEUE).await;
        let states = job_states(&db.store, &tenant).await;
        let dead = states
            .get(&("test.always_fails".to_owned(), "dead".to_owned()))
            .copied()
            .unwrap_or(0);
        if depth == 3 && dead == 3 {
            Ok(())
        } else {
            Err(format!("{depth} dead-letter messages, jobs {states:?}"))
        }
    })
    .await;
    let took = emitting.elapsed();

    // The operator's view (`comply360 jobs dead`).
    let mut tx = db.store.tenancy().begin(&tenant).await.unwrap();
    let dead = queue::list(&mut tx, &["dead"], 100).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(dead.len(), 3);
    for job in &dead {
        assert_eq!(job.handler, "test.always_fails");
        assert_eq!(job.attempts, 3);
        assert_eq!(job.last_error.as_deref(), Some("the registry is down"));
    }

    // Three attempts each, spaced by at least the lower bound of the jittered backoff
    // (half of 200 ms, then half of 400 ms).
    let calls = failing.calls.lock().unwrap().clone();
    for id in &ids {
        let times = &calls[&id.as_uuid()];
        assert_eq!(times.len(), 3, "attempts of {id}");
        let first_gap = times[1] - times[0];
        let second_gap = times[2] - times[1];
        assert!(
            first_gap >= Duration::from_millis(100),
            "first retry after {first_gap:?}"
        );
        assert!(
            second_gap >= Duration::from_millis(200),
            "second retry after {second_gap:?}"
        );
    }
    // The other subscriber of the same events is not held up by the failing one.
    let counts = audit_counts(&db.store, &tenant).await;
    assert!(ids.iter().all(|id| counts.get(&id.as_uuid()) == Some(&1)));
    assert_eq!(queue_depth(&vhost, "c360.test.always_fails").await, 0);
    handle.shutdown().await;
    eprintln!(
        "dead letters: 3 events x 3 attempts dead-lettered {took:?} after the emit; test {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_foreign_messages_go_to_the_dead_letters() {
    let _serial = SERIAL.lock().await;
    if !broker_available() {
        return;
    }
    let (pending, db) = setup("malformed").await;
    let subs = Subscriptions::new(RetryPolicy::DEFAULT).with(AuditTrail);
    let record = db.tenant("mal-p", IsolationMode::Pooled).await;
    let (vhost, outbox, handle) = start(&db, pending, subs).await;
    let tenant = db.store.tenancy().resolve_id(record.id).await.unwrap();

    let conn = Connection::connect(&vhost.url(), ConnectionProperties::default())
        .await
        .unwrap();
    let channel = conn.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    let event = |tenant_id: comply360_domain::TenantId| Event {
        id: EventId::new(),
        tenant_id,
        event_type: types::REGISTRATION_CREATED.into(),
        schema_version: 1,
        aggregate_type: "registration".into(),
        aggregate_id: None,
        actor_id: None,
        payload: serde_json::json!({}),
        occurred_at: chrono::Utc::now(),
        traceparent: None,
    };
    let properties = |e: &Event, header_tenant: String| {
        let mut headers = FieldTable::default();
        headers.insert(
            "tenant_id".into(),
            AMQPValue::LongString(header_tenant.into()),
        );
        headers.insert(
            "event_type".into(),
            AMQPValue::LongString(e.event_type.clone().into()),
        );
        BasicProperties::default()
            .with_message_id(e.id.to_string().into())
            .with_headers(headers)
    };
    // Not JSON; a tenant nobody knows; a body for one tenant under another's header.
    let unknown = event(comply360_domain::TenantId::new());
    let smuggled = event(tenant.id());
    let messages = vec![
        (b"not json".to_vec(), BasicProperties::default()),
        (
            serde_json::to_vec(&unknown).unwrap(),
            properties(&unknown, unknown.tenant_id.to_string()),
        ),
        (
            serde_json::to_vec(&smuggled).unwrap(),
            properties(&smuggled, comply360_domain::TenantId::new().to_string()),
        ),
    ];
    for (body, props) in messages {
        let confirm = channel
            .basic_publish(
                "registration.events".into(),
                "registration.created".into(),
                BasicPublishOptions::default(),
                &body,
                props,
            )
            .await
            .unwrap()
            .await
            .unwrap();
        assert!(confirm.is_ack());
    }
    let _ = conn.close(200, "bye".into()).await;

    // And the consumer carries on with real events.
    let real = emit(&db.store, &outbox, &tenant, types::REGISTRATION_CREATED).await;
    eventually(
        "three dead letters and the real event handled",
        Duration::from_secs(15),
        || async {
            let depth = queue_depth(&vhost, topology::DEAD_LETTER_QUEUE).await;
            let handled = audit_counts(&db.store, &tenant).await.get(&real.as_uuid()) == Some(&1);
            if depth == 3 && handled {
                Ok(())
            } else {
                Err(format!(
                    "{depth} dead letters, real event handled: {handled}"
                ))
            }
        },
    )
    .await;
    // The smuggled event must not have run under the tenant its body named.
    assert!(
        !audit_counts(&db.store, &tenant)
            .await
            .contains_key(&smuggled.id.as_uuid())
    );
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nacked_publish_leaves_events_unrelayed_and_repeats_are_absorbed() {
    let _serial = SERIAL.lock().await;
    if !broker_available() {
        return;
    }
    let (pending, db) = setup("nack").await;
    let subs = Subscriptions::new(RetryPolicy::DEFAULT).with(AuditTrail);
    let record = db.tenant("nack-d", IsolationMode::Database).await;
    let (vhost, outbox, handle) = start(&db, pending, subs).await;
    let tenant = db.store.tenancy().resolve_id(record.id).await.unwrap();

    // A queue that refuses everything makes the broker nack every registration event, while
    // the handler's queue still receives each copy.
    let conn = Connection::connect(&vhost.url(), ConnectionProperties::default())
        .await
        .unwrap();
    let channel = conn.create_channel().await.unwrap();
    let mut args = FieldTable::default();
    args.insert("x-max-length".into(), AMQPValue::LongInt(0));
    args.insert(
        "x-overflow".into(),
        AMQPValue::LongString("reject-publish".into()),
    );
    channel
        .queue_declare("test.refuses".into(), QueueDeclareOptions::durable(), args)
        .await
        .unwrap();
    channel
        .queue_bind(
            "test.refuses".into(),
            "registration.events".into(),
            "#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();

    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(emit(&db.store, &outbox, &tenant, types::REGISTRATION_APPROVED).await);
    }
    // Published (the handler's copies arrive and run) but nacked: never marked relayed,
    // while the relay keeps publishing them again (the worker comes back every second).
    eventually(
        "each event handled from a nacked publish",
        Duration::from_secs(10),
        || async {
            let counts = audit_counts(&db.store, &tenant).await;
            match ids.iter().all(|id| counts.contains_key(&id.as_uuid())) {
                true => Ok(()),
                false => Err(format!("{counts:?}")),
            }
        },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        unrelayed(&db.store, &tenant).await,
        5,
        "nacked events were marked relayed"
    );
    let counts = audit_counts(&db.store, &tenant).await;
    assert!(
        counts.values().all(|n| *n == 1),
        "a repeated publish ran twice: {counts:?}"
    );

    channel
        .queue_delete("test.refuses".into(), QueueDeleteOptions::default())
        .await
        .unwrap();
    let _ = conn.close(200, "bye".into()).await;
    let audited = HashMap::from([(
        tenant.id().as_uuid(),
        ids.iter().map(|id| id.as_uuid()).collect::<Vec<_>>(),
    )]);
    eventually(
        "relayed once the broker accepts",
        Duration::from_secs(10),
        || all_handled_once(&db.store, std::slice::from_ref(&tenant), &audited),
    )
    .await;
    assert_eq!(queue_depth(&vhost, topology::DEAD_LETTER_QUEUE).await, 0);
    handle.shutdown().await;
}

/// Takes a while, and counts what it started and finished.
#[derive(Clone, Default)]
struct Slow {
    started: Arc<std::sync::atomic::AtomicUsize>,
    finished: Arc<std::sync::atomic::AtomicUsize>,
}

#[async_trait]
impl Handler for Slow {
    fn name(&self) -> &'static str {
        "test.slow"
    }

    fn subscribes_to(&self) -> &'static [&'static str] {
        &["registration.*"]
    }

    async fn handle(&self, _ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        use std::sync::atomic::Ordering::SeqCst;
        self.started.fetch_add(1, SeqCst);
        tokio::time::sleep(Duration::from_millis(800)).await;
        self.finished.fetch_add(1, SeqCst);
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_started_deliveries_finish_and_settle() {
    use std::sync::atomic::Ordering::SeqCst;
    let _serial = SERIAL.lock().await;
    if !broker_available() {
        return;
    }
    let (pending, db) = setup("shutdown").await;
    let slow = Slow::default();
    let subs = Subscriptions::new(RetryPolicy::DEFAULT).with(slow.clone());
    let record = db.tenant("stop-p", IsolationMode::Pooled).await;
    let (vhost, outbox, handle) = start(&db, pending, subs).await;
    let tenant = db.store.tenancy().resolve_id(record.id).await.unwrap();
    for _ in 0..3 {
        emit(&db.store, &outbox, &tenant, types::REGISTRATION_UPDATED).await;
    }
    eventually(
        "the slow handler has started",
        Duration::from_secs(10),
        || async {
            match slow.started.load(SeqCst) {
                0 => Err("not started".to_owned()),
                _ => Ok(()),
            }
        },
    )
    .await;

    let stopping = Instant::now();
    handle.shutdown().await;
    let stopped = stopping.elapsed();
    // Everything started was finished, committed and acked before the connection closed:
    // what is left in the queue is exactly what never ran.
    let started = slow.started.load(SeqCst);
    assert_eq!(slow.finished.load(SeqCst), started);
    let done = job_states(&db.store, &tenant)
        .await
        .get(&("test.slow".to_owned(), "done".to_owned()))
        .copied()
        .unwrap_or(0);
    assert_eq!(usize::try_from(done).unwrap(), started);
    // Events the relay had not yet published when it stopped stay in the outbox (they go out
    // at the next start) and were never in the queue.
    let never_published = usize::try_from(unrelayed(&db.store, &tenant).await).unwrap();
    // The broker puts unacknowledged deliveries back asynchronously after the connection
    // closes, so the count of ready messages settles rather than being right at once. A
    // finished delivery that was not acked would come back too and leave it above the rest.
    eventually(
        "the queue to hold exactly what never ran (acks lost on shutdown?)",
        Duration::from_secs(10),
        || async {
            let left = queue_depth(&vhost, "c360.test.slow").await as usize;
            if left == 3 - started - never_published {
                Ok(())
            } else {
                Err(format!(
                    "{left} messages ready, {started} started, {never_published} never published"
                ))
            }
        },
    )
    .await;
    assert!(
        stopped < Duration::from_secs(5),
        "shutdown took {stopped:?}"
    );
    eprintln!("shutdown: {started} started deliveries finished and acked; took {stopped:?}");
}
