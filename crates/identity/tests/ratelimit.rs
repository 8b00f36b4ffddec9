//! The Redis rate-limit backend against a real Redis: the machine's shared one at
//! `redis://127.0.0.1:6379` (`COMPLY360_TEST_REDIS_URL` overrides) and, for the outage
//! tests, a private `redis-server` on a free port that the test starts and kills. The shared
//! server is never stopped or flushed; every test uses keys under a random prefix.
//!
//! Without Redis these tests are skipped, unless `CI=true`, where they fail.

use comply360_identity::ratelimit::{
    Decision, GCRA_LUA, Quota, REDIS_KEY_PREFIX, RateLimitError, RateLimiter,
};
use comply360_testkit::{ci, free_port, redis_url};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// A limiter on the shared Redis, or `None` (test skipped) when it is not reachable; under
/// `CI=true` that fails the test instead.
async fn shared_limiter() -> Option<RateLimiter> {
    let url = redis_url();
    match RateLimiter::redis(&url).await {
        Ok(limiter) => Some(limiter),
        // `e` names the URL without its password.
        Err(e) if ci() => panic!(
            "Redis is not reachable (CI=true: the Redis rate-limit tests need it; \
             scripts/ensure_redis starts one): {e}"
        ),
        Err(e) => {
            eprintln!("skipped: Redis is not reachable ({e})");
            None
        }
    }
}

async fn raw_connection(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// A key of this test's own.
fn unique_key(test: &str) -> String {
    format!("test:{}:{test}", Uuid::new_v4().simple())
}

/// A private `redis-server` child, killed on drop.
struct PrivateRedis {
    child: Child,
    port: u16,
}

impl PrivateRedis {
    /// `None` (skip) without `redis-server`, except under `CI=true`.
    async fn start(port: u16) -> Option<PrivateRedis> {
        let spawned = Command::new("redis-server")
            .args(["--port", &port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(["--dir", &std::env::temp_dir().to_string_lossy()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) if ci() => panic!("cannot run redis-server (CI=true): {e}"),
            Err(e) => {
                eprintln!("skipped: cannot run redis-server: {e}");
                return None;
            }
        };
        let server = PrivateRedis { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(client) = redis::Client::open(server.url())
                && let Ok(mut conn) = client.get_multiplexed_async_connection().await
                && redis::cmd("PING")
                    .query_async::<String>(&mut conn)
                    .await
                    .is_ok()
            {
                return Some(server);
            }
            assert!(
                Instant::now() < deadline,
                "private redis-server on port {port} did not answer PING within 10 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn kill(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test]
async fn burst_then_limited() {
    let Some(limiter) = shared_limiter().await else {
        return;
    };
    assert_eq!(limiter.backend_name(), "redis");
    let key = unique_key("burst");
    let quota = Quota {
        burst: 3,
        per: Duration::from_secs(10),
    };
    for remaining in [2, 1, 0] {
        assert_eq!(
            limiter.check(&key, quota).await,
            Decision::Allowed { remaining }
        );
    }
    let Decision::Limited { retry_after } = limiter.check(&key, quota).await else {
        panic!("fourth request allowed");
    };
    assert!(
        retry_after > Duration::from_millis(9_500) && retry_after <= Duration::from_secs(10),
        "{retry_after:?}"
    );
    assert_eq!(
        limiter.check(&key, quota).await.retry_after_secs(),
        Some(10)
    );
    // Another key has its own bucket, and so has another quota on the same key.
    assert!(
        limiter
            .check(&unique_key("other"), quota)
            .await
            .is_allowed()
    );
    assert!(
        limiter
            .check(&key, Quota::per_second(1, 1))
            .await
            .is_allowed()
    );
    limiter.reset(&key).await;
}

#[tokio::test]
async fn refills_after_retry_after() {
    let Some(limiter) = shared_limiter().await else {
        return;
    };
    let key = unique_key("refill");
    let quota = Quota {
        burst: 2,
        per: Duration::from_millis(200),
    };
    assert!(limiter.check(&key, quota).await.is_allowed());
    assert!(limiter.check(&key, quota).await.is_allowed());
    let Decision::Limited { retry_after } = limiter.check(&key, quota).await else {
        panic!("third request allowed");
    };
    assert!(retry_after <= Duration::from_millis(200), "{retry_after:?}");
    tokio::time::sleep(retry_after).await;
    assert_eq!(
        limiter.check(&key, quota).await,
        Decision::Allowed { remaining: 0 }
    );
}

#[tokio::test]
async fn two_replicas_share_one_bucket() {
    let Some(a) = shared_limiter().await else {
        return;
    };
    let b = RateLimiter::redis(&redis_url()).await.unwrap();
    let key = unique_key("replicas");
    let quota = Quota::per_minute(5, 5);
    let mut allowed = 0;
    for i in 0..20 {
        let replica = if i % 2 == 0 { &a } else { &b };
        if replica.check(&key, quota).await.is_allowed() {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 5, "both replicas together get the burst, no more");
    // Concurrent checks from both are just as atomic.
    let key = unique_key("replicas-concurrent");
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let limiter = if i % 2 == 0 { a.clone() } else { b.clone() };
            let key = key.clone();
            tokio::spawn(async move { limiter.check(&key, quota).await.is_allowed() })
        })
        .collect();
    let mut allowed = 0;
    for task in tasks {
        if task.await.unwrap() {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 5);
}

#[tokio::test]
async fn keys_expire() {
    let Some(limiter) = shared_limiter().await else {
        return;
    };
    let mut conn = raw_connection(&redis_url()).await;
    let key = unique_key("expire");
    let redis_key = format!("{REDIS_KEY_PREFIX}{key}");

    let slow = Quota::per_minute(1, 10);
    assert!(limiter.check(&key, slow).await.is_allowed());
    let pttl: i64 = redis::cmd("PTTL")
        .arg(&redis_key)
        .query_async(&mut conn)
        .await
        .unwrap();
    // One token taken: it comes back within a minute, then the key is useless.
    assert!(pttl > 55_000 && pttl <= 60_000, "PTTL {pttl}");

    let key = unique_key("expire-fast");
    let redis_key = format!("{REDIS_KEY_PREFIX}{key}");
    let fast = Quota {
        burst: 2,
        per: Duration::from_millis(100),
    };
    assert!(limiter.check(&key, fast).await.is_allowed());
    assert!(limiter.check(&key, fast).await.is_allowed());
    let pttl: i64 = redis::cmd("PTTL")
        .arg(&redis_key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(pttl > 0 && pttl <= 200, "PTTL {pttl}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let exists: i64 = redis::cmd("EXISTS")
        .arg(&redis_key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(exists, 0, "idle key vanished");
}

#[tokio::test]
async fn reset_clears_the_bucket() {
    let Some(limiter) = shared_limiter().await else {
        return;
    };
    let other_replica = RateLimiter::redis(&redis_url()).await.unwrap();
    let key = unique_key("reset");
    let quota = Quota::per_minute(1, 2);
    let second = Quota::per_minute(1, 1);
    assert!(limiter.check(&key, quota).await.is_allowed());
    assert!(limiter.check(&key, quota).await.is_allowed());
    assert!(limiter.check(&key, second).await.is_allowed());
    assert!(!limiter.check(&key, quota).await.is_allowed());
    assert!(!limiter.check(&key, second).await.is_allowed());

    // An admin unlock on any replica refills the shared bucket, under every quota.
    other_replica.reset(&key).await;
    let mut conn = raw_connection(&redis_url()).await;
    let exists: i64 = redis::cmd("EXISTS")
        .arg(format!("{REDIS_KEY_PREFIX}{key}"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(exists, 0);
    assert_eq!(
        limiter.check(&key, quota).await,
        Decision::Allowed { remaining: 1 }
    );
    assert!(limiter.check(&key, second).await.is_allowed());
}

#[tokio::test]
async fn script_is_reloaded_after_script_flush() {
    // EVALSHA falls back to loading the script when the server has lost it (restart,
    // failover). Checked on a private server so the shared one's script cache is untouched.
    let Some(server) = PrivateRedis::start(free_port()).await else {
        return;
    };
    let limiter = RateLimiter::redis(&server.url()).await.unwrap();
    let mut conn = raw_connection(&server.url()).await;
    let _: () = redis::cmd("SCRIPT")
        .arg("FLUSH")
        .query_async(&mut conn)
        .await
        .unwrap();
    let key = unique_key("noscript");
    assert_eq!(
        limiter.check(&key, Quota::per_minute(1, 1)).await,
        Decision::Allowed { remaining: 0 }
    );
    assert!(
        !limiter
            .check(&key, Quota::per_minute(1, 1))
            .await
            .is_allowed()
    );
    let loaded: Vec<bool> = redis::cmd("SCRIPT")
        .arg("EXISTS")
        .arg(redis::Script::new(GCRA_LUA).get_hash())
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(loaded, [true]);
}

#[tokio::test]
async fn nothing_listening_fails_construction_with_a_clear_message() {
    let port = free_port();
    let url = format!("redis://:hunter2@127.0.0.1:{port}/0");
    let started = Instant::now();
    let err = RateLimiter::redis(&url)
        .await
        .expect_err("nothing listens there");
    let message = err.to_string();
    assert!(
        matches!(err, RateLimitError::Unavailable { .. }),
        "{message}"
    );
    assert!(
        message.contains(&format!("redis://:***@127.0.0.1:{port}/0")),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
    assert!(
        message.contains("check that redis-server is running"),
        "{message}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "gave up quickly"
    );
}

#[tokio::test]
async fn server_gone_mid_life_falls_back_to_local_then_recovers() {
    let port = free_port();
    let Some(server) = PrivateRedis::start(port).await else {
        return;
    };
    let url = server.url();
    let limiter = RateLimiter::redis(&url).await.unwrap();
    let key = unique_key("outage");
    let quota = Quota::per_minute(1, 2);
    assert!(limiter.check(&key, quota).await.is_allowed());
    assert!(limiter.check(&key, quota).await.is_allowed());
    assert!(
        !limiter.check(&key, quota).await.is_allowed(),
        "Redis bucket empty"
    );

    server.kill();
    // Redis is gone: no error, no panic, no long wait; the in-process bucket (still full)
    // answers, and keeps bounding this replica.
    let started = Instant::now();
    assert_eq!(
        limiter.check(&key, quota).await,
        Decision::Allowed { remaining: 1 }
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        limiter.check(&key, quota).await,
        Decision::Allowed { remaining: 0 }
    );
    assert!(
        !limiter.check(&key, quota).await.is_allowed(),
        "local bucket bounds it"
    );
    assert_eq!(limiter.backend_name(), "redis");
    limiter.reset(&key).await; // must not hang or panic either
    assert!(started.elapsed() < Duration::from_secs(3));

    // Redis back (empty) on the same port: the limiter uses it again. A key made full in
    // Redis only (by another "replica") shows whether the answers come from Redis.
    let Some(server) = PrivateRedis::start(port).await else {
        return;
    };
    let other = RateLimiter::redis(&url).await.unwrap();
    let strict = Quota::per_minute(1, 1);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        // A fresh key emptied in Redis by the other replica: limited if `limiter` asks
        // Redis, allowed if its (fresh) local bucket answers.
        let probe = unique_key("probe");
        assert!(other.check(&probe, strict).await.is_allowed());
        if !limiter.check(&probe, strict).await.is_allowed() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the limiter did not go back to Redis within 15 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(server);
}
