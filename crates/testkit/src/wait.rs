//! Waiting for what other tasks or processes bring about.

use std::future::Future;
use std::time::{Duration, Instant};

/// What one look of [`eventually`] found: `true` or `Ok(())` when the condition holds;
/// `false`, or `Err` with the state seen (for the failure message), while it does not.
pub trait Reached {
    fn reached(self) -> Result<(), String>;
}

impl Reached for bool {
    fn reached(self) -> Result<(), String> {
        if self { Ok(()) } else { Err(String::new()) }
    }
}

impl Reached for Result<(), String> {
    fn reached(self) -> Result<(), String> {
        self
    }
}

/// Looks with `check` every 50 ms until the condition holds; fails the test, naming `what`
/// (and the last state seen), when it still does not after `timeout`.
pub async fn eventually<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future,
    Fut::Output: Reached,
{
    let deadline = Instant::now() + timeout;
    loop {
        let last = match check().await.reached() {
            Ok(()) => return,
            Err(last) => last,
        };
        if Instant::now() >= deadline {
            if last.is_empty() {
                panic!("timed out after {timeout:?} waiting for {what}");
            }
            panic!("timed out after {timeout:?} waiting for {what}; last state: {last}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
