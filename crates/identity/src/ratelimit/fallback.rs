//! The fallback policy while Redis fails: checks skip Redis for a second after a failure
//! (the in-process limiter answers them), a warning at most once a minute, and an info line
//! when Redis answers again.

use super::redis::RedisBackend;
use std::sync::PoisonError;
use std::time::{Duration, Instant};

/// After a Redis failure, checks go straight to the in-process limiter for this long instead
/// of each paying for a failing round trip (the connection manager reconnects meanwhile).
pub(super) const REDIS_RETRY_AFTER: Duration = Duration::from_secs(1);
/// At most one warning about Redis failures per this interval.
pub(super) const REDIS_WARN_EVERY: Duration = Duration::from_secs(60);

#[derive(Default)]
pub(super) struct Health {
    /// While set and in the future, checks skip Redis.
    skip_until: Option<Instant>,
    last_warning: Option<Instant>,
    /// Failures not warned about since the last warning.
    unreported: u64,
    /// Failing since the last success.
    degraded: bool,
}

impl RedisBackend {
    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn should_try(&self) -> bool {
        self.health().should_try(Instant::now())
    }

    pub(super) fn succeeded(&self) {
        let recovered = self.health().succeeded();
        if let Some(unreported) = recovered {
            tracing::info!(
                url = %self.url,
                unreported_failures = unreported,
                "rate limits: Redis answers again; limits are shared across replicas again"
            );
        }
    }

    pub(super) fn failed(&self, error: &str) {
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
}
