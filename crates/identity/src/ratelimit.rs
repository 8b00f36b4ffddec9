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

use governor::clock::{Clock as _, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::nanos::Nanos;
use governor::state::StateStore;
use governor::state::keyed::{DashMapStateStore, ShrinkableKeyedStateStore};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// Prefix of every Redis key the limiter writes.
pub const REDIS_KEY_PREFIX: &str = "c360:rl:";

/// The in-process limiter drops stale keys (buckets that are full again) every this many
/// checks.
pub const PRUNE_EVERY: u64 = 1024;

/// How long one Redis round trip (script or `DEL`) may take before the check gives up on
/// Redis and uses the in-process limiter.
const REDIS_OP_TIMEOUT: Duration = Duration::from_millis(500);
/// How long [`RateLimiter::redis`] waits for the first connection and `PING`.
const REDIS_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// After a Redis failure, checks go straight to the in-process limiter for this long instead
/// of each paying for a failing round trip (the connection manager reconnects meanwhile).
const REDIS_RETRY_AFTER: Duration = Duration::from_secs(1);
/// At most one warning about Redis failures per this interval.
const REDIS_WARN_EVERY: Duration = Duration::from_secs(60);

/// The GCRA script run by the Redis backend.
///
/// `KEYS[1]`: the hash for one key; `ARGV[1]`: the field for one quota; `ARGV[2]`: the
/// emission interval `T` in ms (one token every `T`); `ARGV[3]`: the burst `B`.
/// Returns `{allowed (1|0), remaining, retry_after_ms}`.
pub const GCRA_LUA: &str = r#"
-- Redis < 5 replicates scripts verbatim and would refuse writes after TIME; newer servers
-- replicate effects and keep this only as a no-op.
if redis.replicate_commands then redis.replicate_commands() end
local key, field = KEYS[1], ARGV[1]
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local tat = tonumber(redis.call('HGET', key, field)) or now
if tat < now then tat = now end
local new_tat = tat + interval
-- The request conforms once the bucket (burst * interval long) has room for one token.
local allow_at = new_tat - interval * burst
if allow_at > now then
  return {0, 0, allow_at - now}
end
redis.call('HSET', key, field, new_tat)
-- The hash may hold several quotas: keep the longest time any of them needs.
local ttl = new_tat - now
if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
return {1, math.floor((now - allow_at) / interval), 0}
"#;

// ---------------------------------------------------------------------------------------------
// Quota

/// A bucket of `burst` tokens, one token refilled every `per`.
///
/// Written and parsed as `"<count>/<period> [burst <n>]"`, e.g. `"100/s"`,
/// `"600/min burst 100"`, `"10/15min burst 10"`, `"5/h"`: `count` tokens per `period`
/// (so `per = period / count`), burst defaulting to `count`.
///
/// A quota built by hand with `burst == 0` or `per == 0` is checked as `burst == 1`,
/// `per == 1 ns` (Redis: 1 ms).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Quota {
    /// Bucket size: how many requests may come at once.
    pub burst: u32,
    /// One token comes back every `per`.
    pub per: Duration,
}

impl Quota {
    /// `n` per second with a bucket of `burst` (both at least 1).
    pub fn per_second(n: u32, burst: u32) -> Quota {
        Quota::per_period(n, Duration::from_secs(1), burst)
    }

    /// `n` per minute with a bucket of `burst` (both at least 1).
    pub fn per_minute(n: u32, burst: u32) -> Quota {
        Quota::per_period(n, Duration::from_secs(60), burst)
    }

    fn per_period(n: u32, period: Duration, burst: u32) -> Quota {
        Quota {
            burst: burst.max(1),
            per: period / n.max(1),
        }
    }

    /// The quota actually enforced: burst and interval at least 1.
    fn normalized(self) -> Quota {
        Quota {
            burst: self.burst.max(1),
            per: self.per.max(Duration::from_nanos(1)),
        }
    }

    fn to_governor(self) -> governor::Quota {
        let q = self.normalized();
        let burst = NonZeroU32::new(q.burst).unwrap_or(NonZeroU32::MIN);
        governor::Quota::with_period(q.per)
            .unwrap_or_else(|| governor::Quota::per_second(NonZeroU32::MAX))
            .allow_burst(burst)
    }

    /// The emission interval in whole milliseconds (nearest, at least 1) for Redis.
    fn per_millis(self) -> u64 {
        let nanos = self.normalized().per.as_nanos();
        let millis = (nanos + 500_000) / 1_000_000;
        u64::try_from(millis).unwrap_or(u64::MAX).max(1)
    }
}

/// Period units, largest first: (suffix written by `Display`, length in ns).
const UNITS: [(&str, u128); 7] = [
    ("d", 86_400_000_000_000),
    ("h", 3_600_000_000_000),
    ("min", 60_000_000_000),
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
    ("us", 1_000),
    ("ns", 1),
];

fn unit_nanos(unit: &str) -> Option<u128> {
    let canonical = match unit {
        "d" | "day" | "days" => "d",
        "h" | "hr" | "hour" | "hours" => "h",
        "m" | "min" | "mins" | "minute" | "minutes" => "min",
        "s" | "sec" | "secs" | "second" | "seconds" => "s",
        "ms" => "ms",
        "us" | "µs" => "us",
        "ns" => "ns",
        _ => return None,
    };
    UNITS
        .iter()
        .find(|(name, _)| *name == canonical)
        .map(|(_, nanos)| *nanos)
}

/// The largest unit with a whole multiple `k * unit` in `lo..=hi` (ns always has one).
fn clean_period(lo: u128, hi: u128) -> (u128, &'static str) {
    for (name, nanos) in UNITS {
        let k = lo.div_ceil(nanos).max(1);
        if k * nanos <= hi {
            return (k, name);
        }
    }
    (lo, "ns")
}

fn write_period(f: &mut fmt::Formatter<'_>, k: u128, unit: &str) -> fmt::Result {
    if k == 1 {
        f.write_str(unit)
    } else {
        write!(f, "{k}{unit}")
    }
}

/// Writes a form that parses back to the same quota: `"<burst>/<period>"` when the bucket
/// refills in one unit or in whole minutes, hours or days (`"100/s"`, `"10/15min"`);
/// otherwise the rate per the smallest unit it divides, plus the burst
/// (`"10/s burst 100"` for `"600/min burst 100"`).
impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let q = self.normalized();
        let per = q.per.as_nanos();
        let burst = u128::from(q.burst);
        // `<burst>/<period>` parses to `period / burst` truncated to ns, so any period in
        // `per * burst ..= per * burst + burst - 1` gives `per` back.
        let (k, unit) = clean_period(per * burst, per * burst + burst - 1);
        if k == 1 || matches!(unit, "min" | "h" | "d") {
            write!(f, "{}/", q.burst)?;
            return write_period(f, k, unit);
        }
        for (name, nanos) in UNITS[..4].iter().rev() {
            let count = nanos / per;
            if count >= 1 && count <= u128::from(u32::MAX) && nanos / count == per {
                write!(f, "{count}/{name}")?;
                if count != burst {
                    write!(f, " burst {}", q.burst)?;
                }
                return Ok(());
            }
        }
        write!(f, "{}/", q.burst)?;
        write_period(f, k, unit)
    }
}

/// A rate-limit setting that does not parse; says what is accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid rate limit {input:?}: {reason}; expected \"<count>/<period> [burst <n>]\" \
     such as \"100/s\", \"600/min burst 100\", \"10/15min burst 10\" or \"5/h\" \
     (period: an optional whole number and a unit ms, s, min, h or d; count and burst \
     at least 1; burst defaults to count)"
)]
pub struct QuotaParseError {
    /// The string as given.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

impl FromStr for Quota {
    type Err = QuotaParseError;

    fn from_str(input: &str) -> Result<Quota, QuotaParseError> {
        let fail = |reason: String| QuotaParseError {
            input: input.to_owned(),
            reason,
        };
        let lower = input.trim().to_ascii_lowercase();
        let Some((count, rest)) = lower.split_once('/') else {
            return Err(fail("no \"/\" between count and period".into()));
        };
        let count = parse_positive(count.trim(), "count").map_err(&fail)?;
        let mut words = rest.split_whitespace();
        let Some(period) = words.next() else {
            return Err(fail("no period after \"/\"".into()));
        };
        let digits = period
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(period.len());
        let (multiple, unit) = period.split_at(digits);
        let multiple = if multiple.is_empty() {
            1
        } else {
            match multiple.parse::<u64>() {
                Ok(0) => return Err(fail("period must be at least 1".into())),
                Ok(n) => n,
                Err(_) => return Err(fail(format!("period {multiple:?} is too long"))),
            }
        };
        let Some(unit_ns) = unit_nanos(unit) else {
            return Err(fail(format!("unknown period unit {unit:?}")));
        };
        let burst = match (words.next(), words.next(), words.next()) {
            (None, _, _) => count,
            (Some("burst"), Some(n), None) => parse_positive(n, "burst").map_err(&fail)?,
            (Some("burst"), None, _) => return Err(fail("no number after \"burst\"".into())),
            _ => {
                return Err(fail(format!(
                    "unexpected {:?} after the period",
                    rest.trim_start().trim_start_matches(period).trim()
                )));
            }
        };
        let per = (u128::from(multiple) * unit_ns) / u128::from(count);
        if per == 0 {
            return Err(fail("more than one per nanosecond".into()));
        }
        let per = u64::try_from(per)
            .map(Duration::from_nanos)
            .map_err(|_| fail("period too long".into()))?;
        Ok(Quota { burst, per })
    }
}

fn parse_positive(s: &str, what: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(0) => Err(format!("{what} must be at least 1")),
        Ok(n) => Ok(n),
        Err(_) if s.is_empty() => Err(format!("missing {what}")),
        Err(_) => Err(format!(
            "{what} {s:?} is not a whole number up to {}",
            u32::MAX
        )),
    }
}

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
        let (shown, password) = redact_url(url);
        let scrub = |e: &dyn fmt::Display| -> String {
            let text = e.to_string();
            match &password {
                Some(p) if !p.is_empty() => text.replace(p.as_str(), "***"),
                _ => text,
            }
        };
        let client = redis::Client::open(url).map_err(|e| RateLimitError::InvalidUrl {
            url: shown.clone(),
            reason: scrub(&e),
        })?;
        let unavailable = |reason: String| RateLimitError::Unavailable {
            url: shown.clone(),
            reason,
        };
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(REDIS_OP_TIMEOUT))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(1));
        let script = redis::Script::new(GCRA_LUA);
        let connect = async {
            let mut conn = ConnectionManager::new_with_config(client, config).await?;
            redis::cmd("PING").query_async::<String>(&mut conn).await?;
            script.load_async(&mut conn).await?;
            Ok::<_, redis::RedisError>(conn)
        };
        let conn = match tokio::time::timeout(REDIS_CONNECT_TIMEOUT, connect).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => return Err(unavailable(scrub(&e))),
            Err(_) => {
                return Err(unavailable(format!(
                    "no answer within {} s",
                    REDIS_CONNECT_TIMEOUT.as_secs()
                )));
            }
        };
        Ok(RateLimiter {
            inner: Arc::new(Inner {
                local: Local::default(),
                redis: Some(RedisBackend {
                    conn,
                    script,
                    url: shown,
                    health: Mutex::new(Health::default()),
                }),
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
            let mut conn = redis.conn.clone();
            let mut del = redis::cmd("DEL");
            del.arg(redis_key(key));
            let del = del.query_async::<i64>(&mut conn);
            let outcome = match tokio::time::timeout(REDIS_OP_TIMEOUT, del).await {
                Ok(Ok(_)) => return,
                Ok(Err(e)) => e.to_string(),
                Err(_) => format!("no answer within {} ms", REDIS_OP_TIMEOUT.as_millis()),
            };
            tracing::warn!(
                url = %redis.url,
                key,
                error = %outcome,
                "rate limit reset: could not clear the key in Redis; it clears itself once \
                 its buckets refill"
            );
        }
    }
}

fn redis_key(key: &str) -> String {
    format!("{REDIS_KEY_PREFIX}{key}")
}

/// `url` with its password replaced by `***`, and the password.
fn redact_url(url: &str) -> (String, Option<String>) {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return (url.to_owned(), None);
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let mut shown = url[..scheme_end].to_owned();
    let mut password = None;
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.split_once(':') {
                Some((user, pass)) => {
                    shown.push_str(user);
                    shown.push_str(":***");
                    password = Some(pass.to_owned());
                }
                None => shown.push_str(userinfo),
            }
            shown.push_str(&authority[at..]);
        }
        None => shown.push_str(authority),
    }
    // redis+unix:///path?pass=... carries it in the query.
    let tail = &rest[authority_end..];
    match tail.split_once('?') {
        Some((path, query)) => {
            shown.push_str(path);
            shown.push('?');
            let params: Vec<String> = query
                .split('&')
                .map(|param| match param.split_once('=') {
                    Some((name, value)) if matches!(name, "pass" | "password") => {
                        password.get_or_insert_with(|| value.to_owned());
                        format!("{name}=***")
                    }
                    _ => param.to_owned(),
                })
                .collect();
            shown.push_str(&params.join("&"));
        }
        None => shown.push_str(tail),
    }
    (shown, password)
}

// ---------------------------------------------------------------------------------------------
// In-process backend

/// governor's DashMap store behind an `Arc`, so that [`RateLimiter::reset`] can remove one
/// key (governor's limiter owns its store and has no per-key removal).
#[derive(Clone, Default)]
struct SharedStore(Arc<DashMapStateStore<String>>);

impl StateStore for SharedStore {
    type Key = String;

    fn measure_and_replace<T, F, E>(&self, key: &String, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        self.0.measure_and_replace(key, f)
    }
}

impl ShrinkableKeyedStateStore<String> for SharedStore {
    fn retain_recent(&self, drop_below: Nanos) {
        ShrinkableKeyedStateStore::retain_recent(&*self.0, drop_below);
    }

    fn shrink_to_fit(&self) {
        ShrinkableKeyedStateStore::shrink_to_fit(&*self.0);
    }

    fn len(&self) -> usize {
        ShrinkableKeyedStateStore::len(&*self.0)
    }

    fn is_empty(&self) -> bool {
        ShrinkableKeyedStateStore::is_empty(&*self.0)
    }
}

type KeyedLimiter =
    governor::RateLimiter<String, SharedStore, DefaultClock, StateInformationMiddleware>;

struct Bucket {
    limiter: KeyedLimiter,
    store: SharedStore,
}

/// One governor limiter per distinct quota (quotas come from configuration, so the map stays
/// small), each keyed by the caller's key.
#[derive(Default)]
struct Local {
    buckets: RwLock<HashMap<Quota, Arc<Bucket>>>,
    checks: AtomicU64,
}

impl Local {
    fn bucket(&self, quota: Quota) -> Arc<Bucket> {
        if let Some(bucket) = self
            .buckets
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&quota)
        {
            return bucket.clone();
        }
        self.buckets
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(quota)
            .or_insert_with(|| {
                let store = SharedStore::default();
                let limiter =
                    KeyedLimiter::new(quota.to_governor(), store.clone(), DefaultClock::default());
                Arc::new(Bucket { limiter, store })
            })
            .clone()
    }

    fn check(&self, key: &str, quota: Quota) -> Decision {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.prune();
        }
        let bucket = self.bucket(quota);
        match bucket.limiter.check_key(&key.to_owned()) {
            Ok(state) => Decision::Allowed {
                remaining: state.remaining_burst_capacity(),
            },
            Err(not_until) => {
                let wait = not_until.wait_time_from(bucket.limiter.clock().now());
                Decision::Limited {
                    retry_after: ceil_millis(wait),
                }
            }
        }
    }

    /// Drops keys whose bucket is full again (indistinguishable from a new key), and gives
    /// memory back once most keys are gone.
    fn prune(&self) {
        let buckets: Vec<Arc<Bucket>> = self
            .buckets
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect();
        for bucket in buckets {
            bucket.limiter.retain_recent();
            if bucket.store.0.capacity() > 4 * bucket.store.0.len() + 1024 {
                bucket.limiter.shrink_to_fit();
            }
        }
    }

    fn reset(&self, key: &str) {
        for bucket in self
            .buckets
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
        {
            bucket.store.0.remove(key);
        }
    }

    #[cfg(test)]
    fn key_count(&self) -> usize {
        self.buckets
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .map(|b| b.limiter.len())
            .sum()
    }
}

/// Rounds up to whole milliseconds, at least 1 ms.
fn ceil_millis(d: Duration) -> Duration {
    let millis = d.as_nanos().div_ceil(1_000_000).max(1);
    Duration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX))
}

// ---------------------------------------------------------------------------------------------
// Redis backend

struct RedisBackend {
    conn: ConnectionManager,
    script: redis::Script,
    /// Password redacted.
    url: String,
    health: Mutex<Health>,
}

#[derive(Default)]
struct Health {
    /// While set and in the future, checks skip Redis.
    skip_until: Option<Instant>,
    last_warning: Option<Instant>,
    /// Failures not warned about since the last warning.
    unreported: u64,
    /// Failing since the last success.
    degraded: bool,
}

impl RedisBackend {
    async fn check(&self, key: &str, quota: Quota) -> redis::RedisResult<Decision> {
        let mut conn = self.conn.clone();
        let (allowed, remaining, retry_ms): (i64, i64, i64) = self
            .script
            .key(redis_key(key))
            .arg(format!("{}x{}", quota.per_millis(), quota.burst))
            .arg(quota.per_millis())
            .arg(quota.burst)
            .invoke_async(&mut conn)
            .await?;
        Ok(if allowed == 1 {
            Decision::Allowed {
                remaining: u32::try_from(remaining.max(0)).unwrap_or(u32::MAX),
            }
        } else {
            Decision::Limited {
                retry_after: Duration::from_millis(u64::try_from(retry_ms.max(1)).unwrap_or(1)),
            }
        })
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn should_try(&self) -> bool {
        self.health().should_try(Instant::now())
    }

    fn succeeded(&self) {
        let recovered = self.health().succeeded();
        if let Some(unreported) = recovered {
            tracing::info!(
                url = %self.url,
                unreported_failures = unreported,
                "rate limits: Redis answers again; limits are shared across replicas again"
            );
        }
    }

    fn failed(&self, error: &str) {
        let warn = self.health().failed(Instant::now());
        if let Some(unreported) = warn {
            tracing::warn!(
                url = %self.url,
                error,
                unreported_failures = unreported,
                "rate limits: Redis failed; using this replica's in-process limits until it \
                 answers again (warned at most once a minute)"
            );
        }
    }
}

impl Health {
    fn should_try(&self, now: Instant) -> bool {
        self.skip_until.is_none_or(|t| now >= t)
    }

    /// `Some(failures not warned about)` when this success ends an outage.
    fn succeeded(&mut self) -> Option<u64> {
        if !self.degraded {
            return None;
        }
        self.degraded = false;
        self.skip_until = None;
        Some(std::mem::take(&mut self.unreported))
    }

    /// `Some(earlier failures not warned about)` when this failure is to be warned about.
    fn failed(&mut self, now: Instant) -> Option<u64> {
        self.degraded = true;
        self.skip_until = Some(now + REDIS_RETRY_AFTER);
        let due = self
            .last_warning
            .is_none_or(|t| now.duration_since(t) >= REDIS_WARN_EVERY);
        if !due {
            self.unreported += 1;
            return None;
        }
        self.last_warning = Some(now);
        Some(std::mem::take(&mut self.unreported))
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

    fn q(s: &str) -> Quota {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_settings() {
        let cases = [
            ("100/s", 100, Duration::from_millis(10)),
            ("600/min burst 100", 100, Duration::from_millis(100)),
            ("10/15min burst 10", 10, Duration::from_secs(90)),
            ("10/15min", 10, Duration::from_secs(90)),
            ("5/h", 5, Duration::from_secs(720)),
            ("5/h burst 1", 1, Duration::from_secs(720)),
            ("  2 / 200ms  BURST  4 ", 4, Duration::from_millis(100)),
            ("1/d", 1, Duration::from_secs(86_400)),
            ("3/2s", 3, Duration::from_nanos(666_666_666)),
            ("30/minute", 30, Duration::from_secs(2)),
            ("1/sec", 1, Duration::from_secs(1)),
        ];
        for (text, burst, per) in cases {
            assert_eq!(q(text), Quota { burst, per }, "{text}");
        }
    }

    #[test]
    fn rejects_bad_settings_saying_the_format() {
        let cases = [
            ("", "no \"/\""),
            ("100", "no \"/\""),
            ("/s", "missing count"),
            ("0/s", "count must be at least 1"),
            ("-1/s", "count \"-1\""),
            ("10/", "no period"),
            ("10/fortnight", "unknown period unit \"fortnight\""),
            ("10/0min", "period must be at least 1"),
            ("10/s burst", "no number after \"burst\""),
            ("10/s burst 0", "burst must be at least 1"),
            ("10/s burst x", "burst \"x\""),
            ("10/s burst 5 extra", "unexpected"),
            ("10/s per ip", "unexpected \"per ip\""),
            ("2000000000/ns", "more than one per nanosecond"),
        ];
        for (text, reason) in cases {
            let err = text.parse::<Quota>().expect_err(text);
            let message = err.to_string();
            assert!(message.contains(reason), "{text}: {message}");
            assert!(
                message.contains("expected \"<count>/<period> [burst <n>]\"")
                    && message.contains("\"600/min burst 100\""),
                "{message}"
            );
        }
    }

    #[test]
    fn displays_a_form_that_parses_back() {
        let shown = [
            ("100/s", "100/s"),
            ("10/15min burst 10", "10/15min"),
            ("5/h", "5/h"),
            ("600/min burst 100", "10/s burst 100"),
            ("5/min burst 20", "20/4min"),
            ("100/min burst 10", "100/min burst 10"),
            ("2/200ms", "10/s burst 2"),
            ("3/s", "3/s"),
            ("7/s burst 3", "7/s burst 3"),
            ("1/d", "1/d"),
            ("3/7s", "3/7s"),
        ];
        for (text, expected) in shown {
            assert_eq!(q(text).to_string(), expected, "{text}");
            assert_eq!(q(expected), q(text), "{expected} parses back to {text}");
        }
        // Any quota, including ones no string produced, round-trips.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let quota = Quota {
                burst: (x % 1_000) as u32 + 1,
                per: Duration::from_nanos((x >> 20) % 100_000_000_000 + 1),
            };
            assert_eq!(q(&quota.to_string()), quota, "{quota:?} shown as {quota}");
        }
    }

    #[test]
    fn redacts_passwords() {
        let cases = [
            ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379", None),
            (
                "redis://:s3cret@host:6379/2",
                "redis://:***@host:6379/2",
                Some("s3cret"),
            ),
            (
                "rediss://app:p@ss@host/0",
                "rediss://app:***@host/0",
                Some("p@ss"),
            ),
            (
                "redis+unix:///run/redis.sock?db=1&pass=topsecret",
                "redis+unix:///run/redis.sock?db=1&pass=***",
                Some("topsecret"),
            ),
            ("redis://user@host", "redis://user@host", None),
        ];
        for (url, shown, password) in cases {
            let (s, p) = redact_url(url);
            assert_eq!(s, shown);
            assert_eq!(p.as_deref(), password);
        }
    }

    #[test]
    fn redis_failures_skip_redis_briefly_and_warn_once_a_minute() {
        let t0 = Instant::now();
        let mut health = Health::default();
        assert!(health.should_try(t0));
        assert_eq!(health.succeeded(), None, "no outage, no info line");

        assert_eq!(health.failed(t0), Some(0), "first failure warns");
        assert!(!health.should_try(t0 + Duration::from_millis(500)));
        assert!(health.should_try(t0 + REDIS_RETRY_AFTER));
        for s in 1..=30 {
            assert_eq!(health.failed(t0 + Duration::from_secs(s)), None);
        }
        assert_eq!(health.failed(t0 + REDIS_WARN_EVERY), Some(30));
        assert_eq!(health.failed(t0 + REDIS_WARN_EVERY), None);
        assert_eq!(health.succeeded(), Some(1), "recovery is logged once");
        assert_eq!(health.succeeded(), None);
        assert!(health.should_try(t0 + REDIS_WARN_EVERY));
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
