//! Which agencies get a `tenant` label of their own on the request series: the `n` with the
//! most requests lately, every other agency counting as `other`. 10,000 agencies then make at
//! most `n + 1` label values per series family instead of 10,000.
//!
//! The first `n` agencies seen are labelled at once; every [`WINDOW`] the set is chosen again
//! from the requests counted since, and the counts are halved, so the ranking follows recent
//! traffic without forgetting it at once. An agency that leaves the set stops updating its
//! series, which the exporter drops after its idle timeout (see `super::handle`).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often the labelled set is chosen again.
pub const WINDOW: Duration = Duration::from_secs(60);

/// The label of every agency outside the top `n`.
pub const OTHER: &str = "other";

pub struct TenantLabels {
    n: usize,
    state: Mutex<Ranking>,
}

struct Ranking {
    counts: HashMap<Arc<str>, u64>,
    labelled: HashSet<Arc<str>>,
    chosen_at: Instant,
}

impl TenantLabels {
    pub fn new(n: usize) -> TenantLabels {
        TenantLabels {
            n,
            state: Mutex::new(Ranking {
                counts: HashMap::new(),
                labelled: HashSet::new(),
                chosen_at: Instant::now(),
            }),
        }
    }

    /// Counts a request of `slug`'s and returns its label: the slug, or [`OTHER`].
    pub fn label(&self, slug: &str) -> Arc<str> {
        self.label_at(slug, Instant::now())
    }

    fn label_at(&self, slug: &str, now: Instant) -> Arc<str> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if now.duration_since(state.chosen_at) >= WINDOW {
            state.choose(self.n, now);
        }
        let key: Arc<str> = match state.counts.get_key_value(slug) {
            Some((key, _)) => key.clone(),
            None => Arc::from(slug),
        };
        *state.counts.entry(key.clone()).or_insert(0) += 1;
        if state.labelled.contains(&key) {
            return key;
        }
        if state.labelled.len() < self.n {
            state.labelled.insert(key.clone());
            return key;
        }
        Arc::from(OTHER)
    }
}

impl Ranking {
    /// The `n` busiest agencies become the labelled set; the counts are halved.
    fn choose(&mut self, n: usize, now: Instant) {
        let mut ranked: Vec<(&Arc<str>, &u64)> = self.counts.iter().collect();
        // Busiest first; ties by name, so the choice does not depend on the map's order.
        ranked.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        self.labelled = ranked.into_iter().take(n).map(|(k, _)| k.clone()).collect();
        self.counts.retain(|_, c| {
            *c /= 2;
            *c > 0
        });
        self.chosen_at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_n_agencies_are_labelled_and_the_rest_are_other() {
        let labels = TenantLabels::new(2);
        let now = Instant::now();
        assert_eq!(&*labels.label_at("a", now), "a");
        assert_eq!(&*labels.label_at("b", now), "b");
        assert_eq!(&*labels.label_at("c", now), OTHER);
        assert_eq!(&*labels.label_at("a", now), "a");
    }

    #[test]
    fn the_busiest_agencies_take_the_labels_at_the_next_window() {
        let labels = TenantLabels::new(2);
        let start = Instant::now();
        labels.label_at("quiet-1", start);
        labels.label_at("quiet-2", start);
        for _ in 0..50 {
            assert_eq!(&*labels.label_at("busy", start), OTHER);
        }
        for _ in 0..10 {
            labels.label_at("steady", start);
        }
        let later = start + WINDOW;
        assert_eq!(&*labels.label_at("busy", later), "busy");
        assert_eq!(&*labels.label_at("steady", later), "steady");
        assert_eq!(&*labels.label_at("quiet-1", later), OTHER);
    }

    #[test]
    fn no_more_than_n_labels_whatever_the_traffic() {
        let labels = TenantLabels::new(3);
        let mut seen = HashSet::new();
        let start = Instant::now();
        for round in 0..5u32 {
            let now = start + WINDOW * round;
            let mut this_window = HashSet::new();
            for i in 0..1_000 {
                let slug = format!("agency-{}", (i * 7 + round as usize * 13) % 400);
                this_window.insert(labels.label_at(&slug, now).to_string());
            }
            this_window.remove(OTHER);
            assert!(this_window.len() <= 3, "{this_window:?}");
            seen.extend(this_window);
        }
        assert!(seen.len() <= 3 * 5);
    }
}
