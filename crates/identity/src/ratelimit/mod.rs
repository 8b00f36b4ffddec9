//! Token-bucket rate limits (GCRA), in process by default and in Redis when configured.
//!
//! A [`Quota`] is a bucket of `burst` tokens, refilled one token every `per`. A
//! [`RateLimiter`] answers [`RateLimiter::check`] for a key (a caller-chosen string such as
//! `"login:ip:203.0.113.7"`) under a quota with a [`Decision`]. Each distinct quota has its
//! own buckets: the same key checked under two quotas uses two independent buckets.
//!
//! Two backends:
//!
//! * **in-process** ([`RateLimiter::in_process`]): [`governor`]'s keyed GCRA limiter, one per
//!   distinct quota, keyed by `String`. Limits hold per process only. Keys whose bucket is
//!   full again are dropped every [`PRUNE_EVERY`] checks (`retain_recent`), so a stream of
//!   one-off keys (IP addresses, user names) does not grow memory for ever.
//! * **Redis** ([`RateLimiter::redis`]): one GCRA Lua script ([`GCRA_LUA`], run with
//!   `EVALSHA`, loaded automatically) per check, atomic on the server, so every replica of the
//!   app shares one bucket per key. The script reads the time from Redis (`TIME`), so replicas
//!   with skewed clocks still agree. Each key is a hash `c360:rl:<key>` holding one
//!   theoretical arrival time (milliseconds) per quota, with a `PEXPIRE` that makes it vanish
//!   once its buckets are full again. Redis resolves quotas to whole milliseconds.
//!
//! When Redis fails at check time the check falls back to the in-process limiter (see
//! [`RateLimiter::check`]).
//!
//! The parts: [`quota`](Quota) (the bucket and its setting syntax), `local` (the in-process
//! buckets), `redis` (the Lua script client), `fallback` (when a failing Redis is skipped and
//! warned about); this module holds the limiter that picks between them.

mod fallback;
mod local;
mod quota;
mod redis;

pub use local::PRUNE_EVERY;
pub use quota::{Quota, QuotaParseError};
pub use redis::{GCRA_LUA, REDIS_KEY_PREFIX};

use local::Local;
use redis::{REDIS_OP_TIMEOUT, RedisBackend};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

// ---------------------------------------------------------------------------------------------
// Decision and errors

/// The answer to one [`RateLimiter::check`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead; `remaining` more requests would be allowed right now.
    Allowed {
        /// Tokens left in the bucket after this request.
        remaining: u32,
    },
    /// Over the limit (HTTP 429). Retrying after `retry_after` succeeds, unless other
    /// requests take the token first. Whole milliseconds, rounded up.
    Limited {
        /// How long until one token is back.
        retry_after: Duration,
    },
}

impl Decision {
    /// Whether the request may go ahead.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }

    /// For a `Retry-After` header: whole seconds, rounded up (at least 1); `None` if allowed.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Decision::Allowed { .. } => None,
            Decision::Limited { retry_after } => {
                Some(retry_after.as_millis().div_ceil(1000).max(1) as u64)
            }
        }
    }
}

/// Why a Redis-backed limiter could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RateLimitError {
    /// The URL does not parse (or needs a feature this build lacks, such as TLS).
    #[error(
        "invalid Redis URL {url} for rate limits: {reason}; expected \
         redis://[[user]:password@]host[:port][/db]"
    )]
    InvalidUrl {
        /// The URL, password replaced by `***`.
        url: String,
        /// The parser's complaint.
        reason: String,
    },
    /// No connection, or the server did not answer `PING` or load the script.
    #[error(
        "cannot use Redis at {url} for rate limits: {reason}; check that redis-server is \
         running and reachable at that host and port (locally: scripts/ensure_redis) and that \
         the password and database number in the URL are right"
    )]
    Unavailable {
        /// The URL, password replaced by `***`.
        url: String,
        /// What failed.
        reason: String,
    },
}

// ---------------------------------------------------------------------------------------------
// The limiter

/// Rate limiter shared by clones (an `Arc` inside).
#[derive(Clone)]
pub struct RateLimiter {
    inner: Arc<Inner>,
}

struct Inner {
    local: Local,
    redis: Option<RedisBackend>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter::in_process()
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RateLimiter");
        d.field("backend", &self.backend_name());
        if let Some(redis) = &self.inner.redis {
            d.field("url", &redis.url);
        }
        d.finish_non_exhaustive()
    }
}

impl RateLimiter {
    /// Limits held in this process only.
    pub fn in_process() -> RateLimiter {
        RateLimiter {
            inner: Arc::new(Inner {
                local: Local::default(),
                redis: None,
            }),
        }
    }

    /// Limits held in Redis at `url` (`redis://[[user]:password@]host[:port][/db]`), shared
    /// by every replica that uses the same server. Connects, `PING`s and loads the script
    /// before returning; errors name the URL without its password.
    pub async fn redis(url: &str) -> Result<RateLimiter, RateLimitError> {
        let redis = RedisBackend::connect(url).await?;
        Ok(RateLimiter {
            inner: Arc::new(Inner {
                local: Local::default(),
                redis: Some(redis),
            }),
        })
    }

    /// `"in-process"` or `"redis"` (the configured backend, also while falling back).
    pub fn backend_name(&self) -> &'static str {
        if self.inner.redis.is_some() {
            "redis"
        } else {
            "in-process"
        }
    }

    /// Takes one token from `key`'s bucket under `quota`.
    ///
    /// With Redis, a failing check (server gone, timeout after 500 ms) does not fail the
    /// request: it is answered by the in-process limiter instead, and for the next second
    /// checks skip Redis altogether (no timeout per request while it is down). This fails
    /// open to the local bucket on purpose: availability over strictness. An outage of the
    /// limiter's store must not take logins and the API down with it, and the local bucket
    /// still bounds what each replica lets through (so the worst case is the quota times the
    /// number of replicas). A warning is logged at most once a minute while this lasts, and
    /// an info line when Redis answers again.
    pub async fn check(&self, key: &str, quota: Quota) -> Decision {
        let quota = quota.normalized();
        if let Some(redis) = &self.inner.redis
            && redis.should_try()
        {
            match tokio::time::timeout(REDIS_OP_TIMEOUT, redis.check(key, quota)).await {
                Ok(Ok(decision)) => {
                    redis.succeeded();
                    return decision;
                }
                Ok(Err(e)) => redis.failed(&e.to_string()),
                Err(_) => redis.failed(&format!(
                    "no answer within {} ms",
                    REDIS_OP_TIMEOUT.as_millis()
                )),
            }
        }
        self.inner.local.check(key, quota)
    }

    /// Refills `key`'s buckets under every quota by forgetting them, in process and in Redis
    /// (e.g. when an admin unlocks an account). A Redis failure is logged, not returned; the
    /// Redis key then clears itself once its buckets have refilled.
    pub async fn reset(&self, key: &str) {
        self.inner.local.reset(key);
        if let Some(redis) = &self.inner.redis {
            redis.reset(key).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn burst_then_limited_with_retry_after() {
        let limiter = RateLimiter::in_process();
        assert_eq!(limiter.backend_name(), "in-process");
        let quota = Quota {
            burst: 3,
            per: Duration::from_secs(10),
        };
        for remaining in [2, 1, 0] {
            assert_eq!(
                limiter.check("k", quota).await,
                Decision::Allowed { remaining }
            );
        }
        let Decision::Limited { retry_after } = limiter.check("k", quota).await else {
            panic!("fourth request allowed");
        };
        assert!(
            retry_after > Duration::from_millis(9_900) && retry_after <= Duration::from_secs(10),
            "{retry_after:?}"
        );
        assert_eq!(retry_after.subsec_nanos() % 1_000_000, 0, "whole ms");
        assert_eq!(limiter.check("k", quota).await.retry_after_secs(), Some(10));
    }

    #[tokio::test]
    async fn refills_after_waiting_retry_after() {
        let limiter = RateLimiter::in_process();
        let quota = Quota {
            burst: 2,
            per: Duration::from_millis(200),
        };
        assert!(limiter.check("k", quota).await.is_allowed());
        assert!(limiter.check("k", quota).await.is_allowed());
        let Decision::Limited { retry_after } = limiter.check("k", quota).await else {
            panic!("third request allowed");
        };
        assert!(retry_after <= Duration::from_millis(200), "{retry_after:?}");
        tokio::time::sleep(retry_after).await;
        assert_eq!(
            limiter.check("k", quota).await,
            Decision::Allowed { remaining: 0 }
        );
        assert!(!limiter.check("k", quota).await.is_allowed());
        // A full refill gives the whole burst back.
        tokio::time::sleep(Duration::from_millis(450)).await;
        assert_eq!(
            limiter.check("k", quota).await,
            Decision::Allowed { remaining: 1 }
        );
    }

    #[tokio::test]
    async fn keys_are_independent() {
        let limiter = RateLimiter::in_process();
        let quota = Quota::per_minute(1, 1);
        assert!(limiter.check("user:a", quota).await.is_allowed());
        assert!(!limiter.check("user:a", quota).await.is_allowed());
        assert!(limiter.check("user:b", quota).await.is_allowed());
        // Clones share the buckets.
        let clone = limiter.clone();
        assert!(!clone.check("user:b", quota).await.is_allowed());
    }

    #[tokio::test]
    async fn quotas_on_the_same_key_are_independent() {
        let limiter = RateLimiter::in_process();
        let strict = Quota::per_minute(1, 1);
        let loose = Quota::per_second(10, 5);
        assert!(limiter.check("login:x", strict).await.is_allowed());
        assert!(!limiter.check("login:x", strict).await.is_allowed());
        assert_eq!(
            limiter.check("login:x", loose).await,
            Decision::Allowed { remaining: 4 }
        );
        assert!(!limiter.check("login:x", strict).await.is_allowed());
    }

    #[tokio::test]
    async fn reset_refills_every_quota() {
        let limiter = RateLimiter::in_process();
        let a = Quota::per_minute(1, 1);
        let b = Quota::per_minute(2, 1);
        for q in [a, b] {
            assert!(limiter.check("acct", q).await.is_allowed());
            assert!(!limiter.check("acct", q).await.is_allowed());
        }
        assert!(limiter.check("other", a).await.is_allowed());
        limiter.reset("acct").await;
        for q in [a, b] {
            assert!(limiter.check("acct", q).await.is_allowed());
        }
        assert!(
            !limiter.check("other", a).await.is_allowed(),
            "other keys untouched"
        );
    }

    #[tokio::test]
    async fn stale_keys_are_pruned() {
        let limiter = RateLimiter::in_process();
        let quota = Quota {
            burst: 1,
            per: Duration::from_millis(20),
        };
        for i in 0..PRUNE_EVERY - 1 {
            limiter.check(&format!("ip:{i}"), quota).await;
        }
        assert_eq!(limiter.inner.local.key_count(), (PRUNE_EVERY - 1) as usize);
        tokio::time::sleep(Duration::from_millis(50)).await;
        // This check is number PRUNE_EVERY: it prunes first.
        limiter.check("fresh", quota).await;
        assert_eq!(limiter.inner.local.key_count(), 1);
    }

    #[tokio::test]
    async fn zero_quota_fields_are_clamped() {
        let limiter = RateLimiter::in_process();
        let quota = Quota {
            burst: 0,
            per: Duration::ZERO,
        };
        assert!(limiter.check("z", quota).await.is_allowed());
        assert_eq!(Quota::per_second(0, 0), Quota::per_second(1, 1));
    }

    #[test]
    fn helpers() {
        assert_eq!(
            Quota::per_second(100, 20),
            Quota {
                burst: 20,
                per: Duration::from_millis(10)
            }
        );
        assert_eq!(
            Quota::per_minute(600, 100),
            Quota {
                burst: 100,
                per: Duration::from_millis(100)
            }
        );
        assert_eq!(Quota::per_minute(5, 5).per_millis(), 12_000);
        assert_eq!(
            Quota {
                burst: 1,
                per: Duration::from_micros(1_600)
            }
            .per_millis(),
            2
        );
        assert_eq!(
            Decision::Limited {
                retry_after: Duration::from_millis(1_001)
            }
            .retry_after_secs(),
            Some(2)
        );
        assert_eq!(Decision::Allowed { remaining: 0 }.retry_after_secs(), None);
    }

    #[tokio::test]
    async fn bad_url_is_reported_without_password() {
        let err = RateLimiter::redis("http://:hunter2@example.com")
            .await
            .expect_err("not a redis URL");
        let message = err.to_string();
        assert!(
            matches!(err, RateLimitError::InvalidUrl { .. }),
            "{message}"
        );
        assert!(!message.contains("hunter2"), "{message}");
        assert!(message.contains("expected redis://"), "{message}");
    }
}
