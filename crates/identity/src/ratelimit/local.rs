//! The in-process backend: [`governor`]'s keyed GCRA limiter, one per distinct quota, with
//! stale keys pruned every [`PRUNE_EVERY`] checks.

use super::{Decision, Quota};
use governor::clock::{Clock as _, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::nanos::Nanos;
use governor::state::StateStore;
use governor::state::keyed::{DashMapStateStore, ShrinkableKeyedStateStore};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

/// The in-process limiter drops stale keys (buckets that are full again) every this many
/// checks.
pub const PRUNE_EVERY: u64 = 1024;

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
pub(super) struct Local {
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

    pub(super) fn check(&self, key: &str, quota: Quota) -> Decision {
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

    pub(super) fn reset(&self, key: &str) {
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
    pub(super) fn key_count(&self) -> usize {
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
