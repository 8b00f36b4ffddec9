//! The process's allocator: mimalloc, its purge delay, and a server's idle-time purge of what
//! it freed.
//!
//! A request allocates and frees many small objects (rows, JSON, headers) across the
//! runtime's threads, where glibc's malloc spent a sixth of a list request's CPU; mimalloc's
//! per-thread free lists cost a fraction of that (bench/README.md).
//!
//! mimalloc (v3, what the `mimalloc` crate builds) gives a freed page back to the system after
//! its purge delay, but only when some thread next calls into it: a server that goes quiet
//! after a burst keeps what the burst freed. A burst of sign-ins frees 19 MiB of Argon2 memory
//! per hash, and the idle server stayed at 78 MiB after one. So [`spawn_idle_purge`] does the
//! purging whose time has come every few seconds, whether or not anything else runs, and
//! [`configure`] shortens the delay from mimalloc's second to a tenth of one: after the
//! sign-ins of the `memory` benchmark that left 18 MiB of the process's own memory resident
//! instead of 22, at no cost measurable in the list's or the create's throughput. Purging at
//! once (a delay of 0) cost a fifth of the list's throughput, every large free becoming a
//! system call.

use std::time::Duration;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's index of its purge delay (`mi_option_purge_delay` in v3's `mimalloc.h`), which
/// the `libmimalloc-sys` bindings do not name.
const MI_OPTION_PURGE_DELAY: i32 = 15;

/// The purge delay this process runs with unless `MIMALLOC_PURGE_DELAY` says otherwise.
const PURGE_DELAY_MS: i64 = 100;

/// Makes [`PURGE_DELAY_MS`] mimalloc's default purge delay. mimalloc reads its options from
/// the environment as the process loads; a default changes only an option the environment did
/// not set, so `MIMALLOC_PURGE_DELAY` still wins.
pub fn configure() {
    // SAFETY: mi_option_set_default writes one option's value; any thread may call it at any
    // time.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set_default(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS as _);
    }
}

/// The purge delay in force, in milliseconds.
pub fn purge_delay_ms() -> i64 {
    // SAFETY: mi_option_get reads one option's value.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) as i64
    }
}

/// How often the idle purge runs: a few delays' worth, a negligible cost.
const PURGE_EVERY: Duration = Duration::from_secs(2);

/// Returns to the system the freed memory whose purge delay has passed, process-wide (the
/// arenas are shared by every thread).
fn purge_expired() {
    // SAFETY: mi_collect(false) is mimalloc's ordinary collection of the calling thread's
    // heap and of the shared arenas' expired purges; it takes no pointer and may be called
    // from any thread at any time.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_collect(false);
    }
}

/// Runs [`purge_expired`] every [`PURGE_EVERY`] for as long as the runtime lives.
pub fn spawn_idle_purge() -> tokio::task::JoinHandle<()> {
    tokio::spawn(async {
        let mut tick = tokio::time::interval(PURGE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            purge_expired();
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn anonymous_rss_mib() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("RssAnon:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kib| kib / 1024)
    }

    #[test]
    fn the_purge_delay_is_a_tenth_of_a_second_unless_the_environment_sets_it() {
        configure();
        let expected = std::env::var("MIMALLOC_PURGE_DELAY")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(PURGE_DELAY_MS);
        assert_eq!(purge_delay_ms(), expected);
    }

    #[test]
    fn freed_memory_goes_back_to_the_system_without_further_allocation() {
        let block = vec![1u8; 64 << 20];
        std::hint::black_box(&block);
        let held = anonymous_rss_mib();
        drop(block);
        let deadline = Instant::now() + Duration::from_secs(10);
        while anonymous_rss_mib() + 48 > held {
            assert!(
                Instant::now() < deadline,
                "64 MiB freed, still resident after 10 s: {} MiB of {held}",
                anonymous_rss_mib()
            );
            purge_expired();
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
