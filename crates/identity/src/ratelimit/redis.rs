//! The Redis backend: the GCRA Lua script, run with `EVALSHA` per check, atomic on the server,
//! so every replica shares one bucket per key; connecting, resetting a key, and URLs shown
//! without their password.

use super::fallback::Health;
use super::{Decision, Quota, RateLimitError};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

/// Prefix of every Redis key the limiter writes.
pub const REDIS_KEY_PREFIX: &str = "c360:rl:";

/// How long one Redis round trip (script or `DEL`) may take before the check gives up on
/// Redis and uses the in-process limiter.
pub(super) const REDIS_OP_TIMEOUT: Duration = Duration::from_millis(500);
/// How long [`RateLimiter::redis`](super::RateLimiter::redis) waits for the first connection
/// and `PING`.
const REDIS_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

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

pub(super) struct RedisBackend {
    conn: ConnectionManager,
    script: redis::Script,
    /// Password redacted.
    pub(super) url: String,
    pub(super) health: Mutex<Health>,
}

impl RedisBackend {
    /// Connects, `PING`s and loads the script; errors name the URL without its password.
    pub(super) async fn connect(url: &str) -> Result<RedisBackend, RateLimitError> {
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
        Ok(RedisBackend {
            conn,
            script,
            url: shown,
            health: Mutex::new(Health::default()),
        })
    }

    pub(super) async fn check(&self, key: &str, quota: Quota) -> redis::RedisResult<Decision> {
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

    /// Deletes `key`'s hash (every quota's bucket); a failure is logged, not returned.
    pub(super) async fn reset(&self, key: &str) {
        let mut conn = self.conn.clone();
        let mut del = redis::cmd("DEL");
        del.arg(redis_key(key));
        let del = del.query_async::<i64>(&mut conn);
        let outcome = match tokio::time::timeout(REDIS_OP_TIMEOUT, del).await {
            Ok(Ok(_)) => return,
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("no answer within {} ms", REDIS_OP_TIMEOUT.as_millis()),
        };
        tracing::warn!(
            url = %self.url,
            key,
            error = %outcome,
            "rate limit reset: could not clear the key in Redis; it clears itself once \
             its buckets refill"
        );
    }
}

fn redis_key(key: &str) -> String {
    format!("{REDIS_KEY_PREFIX}{key}")
}

/// `url` with its password replaced by `***`, and the password.
pub(super) fn redact_url(url: &str) -> (String, Option<String>) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
