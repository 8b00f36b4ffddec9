//! Rate limits across replicas: two app servers sharing one Redis hold one limit between
//! them; with in-process limits each server would allow its own.

use comply360_api::HttpSettings;
use comply360_domain::IsolationMode;
use comply360_identity::ratelimit::{Quota, RateLimiter};
use comply360_testkit::http::Http;
use comply360_testkit::{
    TestApp, TestDb, app_state, ci, default_outbox, redis_url, spawn_app_with,
};
use reqwest::StatusCode;
use std::time::Duration;

/// A replica: its own limiter (its own Redis connection when `redis`), the same database.
async fn replica(db: &TestDb, redis: bool, settings: HttpSettings) -> Option<TestApp> {
    let limiter = if redis {
        match RateLimiter::redis(&redis_url()).await {
            Ok(l) => l,
            Err(err) if ci() => {
                panic!("Redis is required under CI=true: {err}")
            }
            Err(err) => {
                eprintln!("skipped: no Redis ({err}); scripts/test starts one");
                return None;
            }
        }
    } else {
        RateLimiter::in_process()
    };
    let mut state = app_state(&db.store, default_outbox()).await;
    state.limiter = limiter;
    state.settings = std::sync::Arc::new(settings);
    Some(spawn_app_with(state).await)
}

/// Wrong-password attempts alternating between the two replicas until the first 429.
async fn attempts_before_429(a: &TestApp, b: &TestApp, email: &str) -> usize {
    for i in 0..40 {
        let app = if i % 2 == 0 { a } else { b };
        let res = Http::new(app)
            .login("shared", email, "Not-The-Password-1")
            .await;
        match res.status() {
            StatusCode::UNAUTHORIZED => continue,
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(res.headers().contains_key("retry-after"));
                return i;
            }
            other => panic!("unexpected {other}"),
        }
    }
    40
}

#[tokio::test]
async fn sign_in_limits_hold_across_two_servers_sharing_redis() {
    let db = TestDb::new().await;
    db.tenant("shared", IsolationMode::Pooled).await;
    let settings = HttpSettings {
        signin_quota: Quota {
            burst: 6,
            per: Duration::from_secs(600),
        },
        ..HttpSettings::default()
    };
    let Some(a) = replica(&db, true, settings.clone()).await else {
        return;
    };
    let b = replica(&db, true, settings.clone()).await.unwrap();
    assert_eq!(a.state.limiter.backend_name(), "redis");
    a.create_user("shared", "ayanda@shared.example", "agent")
        .await;
    // Six attempts in all, whichever server they reach.
    assert_eq!(
        attempts_before_429(&a, &b, "ayanda@shared.example").await,
        6
    );
    // And then both servers refuse.
    for app in [&a, &b] {
        let res = Http::new(app)
            .login("shared", "ayanda@shared.example", "Not-The-Password-1")
            .await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    }

    // The contrast: in-process limits let each server allow its own six.
    let c = replica(&db, false, settings.clone()).await.unwrap();
    let d = replica(&db, false, settings).await.unwrap();
    assert_eq!(
        attempts_before_429(&c, &d, "other@shared.example").await,
        12
    );
}

#[tokio::test]
async fn the_per_tenant_api_limit_is_shared_too() {
    let db = TestDb::new().await;
    db.tenant("shared", IsolationMode::Schema).await;
    let settings = HttpSettings {
        api_quota: Quota {
            burst: 5,
            per: Duration::from_secs(600),
        },
        ..HttpSettings::default()
    };
    let Some(a) = replica(&db, true, settings.clone()).await else {
        return;
    };
    let b = replica(&db, true, settings).await.unwrap();
    let token = a.token_for("shared", "tenant_admin").await;
    let mut statuses = Vec::new();
    for i in 0..8 {
        let app = if i % 2 == 0 { &a } else { &b };
        let res = Http::new(app)
            .get(Some("shared"), "/api/v1/users", Some(&token))
            .await;
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
}

/// A redis-server of this test's own on a free port (stopped when dropped).
struct OwnRedis {
    child: std::process::Child,
    port: u16,
}

impl OwnRedis {
    fn start(port: u16) -> Option<OwnRedis> {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn();
        let child = match child {
            Ok(c) => c,
            Err(err) if ci() => panic!("redis-server is required under CI=true: {err}"),
            Err(err) => {
                eprintln!("skipped: cannot run redis-server ({err})");
                return None;
            }
        };
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not listen"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(OwnRedis { child, port })
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn with_redis_gone_requests_are_served_and_limited_in_process_until_it_returns() {
    let db = TestDb::new().await;
    db.tenant("redis-gone", IsolationMode::Pooled).await;
    let Some(redis) = OwnRedis::start(comply360_testkit::free_port()) else {
        return;
    };
    let limiter = RateLimiter::redis(&format!("redis://127.0.0.1:{}", redis.port))
        .await
        .unwrap();
    let mut state = app_state(&db.store, default_outbox()).await;
    state.limiter = limiter;
    state.settings = std::sync::Arc::new(HttpSettings {
        api_quota: Quota {
            burst: 5,
            per: Duration::from_secs(600),
        },
        ..HttpSettings::default()
    });
    let app = spawn_app_with(state).await;
    let token = app.token_for("redis-gone", "tenant_admin").await;
    let get = || async {
        Http::new(&app)
            .get(Some("redis-gone"), "/api/v1/users", Some(&token))
            .await
            .status()
            .as_u16()
    };
    assert_eq!(get().await, 200);

    // Redis goes away: nothing fails, and the limit still holds, in this process.
    let port = redis.port;
    drop(redis);
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(get().await);
    }
    assert!(
        statuses.iter().all(|s| matches!(s, 200 | 429)),
        "with Redis down: {statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        5,
        "the in-process limit answers while Redis is down: {statuses:?}"
    );

    // Redis is back (empty): the shared limit answers again, a fresh bucket.
    let _back = OwnRedis::start(port).unwrap();
    comply360_testkit::eventually(
        "requests served through Redis again",
        Duration::from_secs(15),
        || async { get().await == 200 },
    )
    .await;
}
