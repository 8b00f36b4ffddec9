//! The reconnecting listener: what it hears, that it says so when it is listening again
//! after losing its connection, and that it closes its connection when told to stop.

use comply360_store::listen::{Heard, Listener};
use comply360_testkit::TestDb;
use sqlx::PgPool;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const CHANNEL: &str = "c360_listen_test";

async fn next(listener: &mut Listener) -> Option<Heard> {
    tokio::time::timeout(Duration::from_secs(20), listener.next())
        .await
        .expect("the listener answers within 20 s")
}

async fn notify(pool: &PgPool, payload: &str) {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(payload)
        .execute(pool)
        .await
        .expect("notify");
}

/// Backends (other than the caller's) whose last statement was our LISTEN.
async fn listening(pool: &PgPool, terminate: bool) -> i64 {
    let sql = if terminate {
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
         WHERE pid <> pg_backend_pid() AND query LIKE '%' || $1 || '%'"
    } else {
        "SELECT count(*) FROM pg_stat_activity
         WHERE pid <> pg_backend_pid() AND query LIKE '%' || $1 || '%'"
    };
    sqlx::query_scalar(sql)
        .bind(CHANNEL)
        .fetch_one(pool)
        .await
        .expect("pg_stat_activity")
}

fn heard(payload: &str) -> Option<Heard> {
    Some(Heard::Notification {
        channel: CHANNEL.to_owned(),
        payload: payload.to_owned(),
    })
}

#[tokio::test]
async fn the_listener_hears_reconnects_says_so_and_closes_when_stopped() {
    let db = TestDb::new().await;
    let pool = db.store.tenancy().catalog_pool().clone();
    let stop = CancellationToken::new();
    let mut listener = Listener::new(
        "test listener",
        db.store.listen_options(),
        &[CHANNEL, "c360_listen_other"],
        stop.clone(),
    );
    assert_eq!(next(&mut listener).await, Some(Heard::Connected));
    notify(&pool, "one").await;
    assert_eq!(next(&mut listener).await, heard("one"));

    // The server ends the session: the caller hears of the loss, then of the new session,
    // and what is sent after that arrives.
    assert_eq!(listening(&pool, true).await, 1);
    assert_eq!(next(&mut listener).await, Some(Heard::Lost));
    assert_eq!(next(&mut listener).await, Some(Heard::Connected));
    notify(&pool, "two").await;
    assert_eq!(next(&mut listener).await, heard("two"));

    // Cancelled: no more answers, and its session is gone.
    stop.cancel();
    assert_eq!(next(&mut listener).await, None);
    let deadline = Instant::now() + Duration::from_secs(10);
    while listening(&pool, false).await > 0 {
        assert!(
            Instant::now() < deadline,
            "the listener's session stayed open"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The job workers' wake-up: heard once a transaction that asked for it commits (in every
/// isolation mode, a tenant database's included, on the app database), coalesced, and never
/// for one that rolled back.
#[tokio::test]
async fn committed_work_wakes_the_workers_and_rolled_back_work_does_not() {
    use comply360_domain::IsolationMode;
    use comply360_store::JOBS_CHANNEL;
    use std::collections::HashSet;

    let db = TestDb::new().await;
    let stop = CancellationToken::new();
    let mut listener = Listener::new(
        "wake listener",
        db.store.listen_options(),
        &[JOBS_CHANNEL],
        stop.clone(),
    );
    assert_eq!(next(&mut listener).await, Some(Heard::Connected));
    let tenancy = db.store.tenancy();
    let mut committing = Vec::new();
    for (slug, mode) in [
        ("wake-p", IsolationMode::Pooled),
        ("wake-s", IsolationMode::Schema),
        ("wake-d", IsolationMode::Database),
    ] {
        let rec = db.tenant(slug, mode).await;
        committing.push(tenancy.resolve(&rec.slug).await.unwrap());
    }
    let rec = db.tenant("wake-r", IsolationMode::Pooled).await;
    let rolled_back = tenancy.resolve(&rec.slug).await.unwrap();
    let mut tx = tenancy.begin(&rolled_back).await.unwrap();
    tx.wake_workers_on_commit();
    tx.rollback().await.unwrap();

    // Thirty commits at once over the three agencies.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..30 {
        let tenant = committing[i % committing.len()].clone();
        let tenancy = tenancy.clone();
        tasks.spawn(async move {
            let mut tx = tenancy.begin(&tenant).await.unwrap();
            tx.wake_workers_on_commit();
            tx.commit().await.unwrap();
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let expected: HashSet<String> = committing.iter().map(|t| t.id().to_string()).collect();
    let mut woken = HashSet::new();
    let mut notifications = 0;
    while woken != expected {
        match next(&mut listener).await {
            Some(Heard::Notification { payload, .. }) => {
                notifications += 1;
                assert_ne!(
                    payload,
                    rolled_back.id().to_string(),
                    "a rolled-back transaction woke the workers"
                );
                woken.insert(payload);
            }
            other => panic!("expected a wake-up, heard {other:?}"),
        }
    }
    assert!(
        notifications <= 30,
        "{notifications} wake-ups for 30 commits"
    );
    stop.cancel();
}
