//! How often and how late a failed job is tried again.

use rand::Rng;
use std::time::Duration;

/// Attempts and backoff of one handler's jobs. The delay before attempt `n + 1` is
/// `first_delay * 2^(n-1)`, capped at `max_delay`, with "full jitter" over its upper half so
/// that a burst of failures does not come back as a burst.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: i32,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// Three attempts a few seconds apart: the default for every handler.
    pub const DEFAULT: RetryPolicy = RetryPolicy {
        max_attempts: 3,
        first_delay: Duration::from_secs(5),
        max_delay: Duration::from_secs(60),
    };

    /// The long tail: 20 attempts over about a day, for calls to systems that may be down
    /// for hours (an ERP under maintenance) where giving up early would mean manual work.
    pub const LONG_TAIL: RetryPolicy = RetryPolicy {
        max_attempts: 20,
        first_delay: Duration::from_secs(10),
        max_delay: Duration::from_secs(2 * 60 * 60),
    };

    /// The delay after the `attempt`-th failure (1-based).
    pub fn delay_after(&self, attempt: i32) -> Duration {
        let exp = u32::try_from(attempt.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let full = self
            .first_delay
            .saturating_mul(2u32.saturating_pow(exp))
            .min(self.max_delay);
        let half = full / 2;
        let jitter_ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        half + Duration::from_millis(rand::rng().random_range(0..=jitter_ms))
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
        };
        for _ in 0..100 {
            let d1 = p.delay_after(1);
            assert!(d1 >= Duration::from_millis(500) && d1 <= Duration::from_secs(1));
            let d3 = p.delay_after(3);
            assert!(d3 >= Duration::from_secs(2) && d3 <= Duration::from_secs(4));
            let d9 = p.delay_after(9);
            assert!(d9 >= Duration::from_secs(15) && d9 <= Duration::from_secs(30));
        }
    }
}
