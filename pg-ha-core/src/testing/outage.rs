//! Helpers for the backends' tests that take the server away (kill, restart, partition): a
//! call retried through the outage, and a `wait_for_change` blocked across it.

use crate::dcs::{Dcs, DcsError};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// How often [`retry`] tries again.
const POLL: Duration = Duration::from_millis(50);

/// Calls `op` until it succeeds, every 50 ms while it fails with a retryable error, for at
/// most `within`. Panics naming `what` on an error that is not retryable, or when `within` has
/// passed.
pub async fn retry<T, F, Fut>(what: &str, within: Duration, op: F) -> T
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, DcsError>>,
{
    let started = Instant::now();
    loop {
        match op().await {
            Ok(v) => return v,
            Err(e) if !e.is_retryable() => panic!("{what} failed for good: {e}"),
            Err(e) if started.elapsed() >= within => {
                panic!("{what} did not recover within {within:?}: {e}")
            }
            Err(_) => tokio::time::sleep(POLL).await,
        }
    }
}

/// A `wait_for_change(after)` running in its own task.
pub struct Waiter {
    after: u64,
    task: JoinHandle<Result<u64, DcsError>>,
}

impl Waiter {
    /// Spawns `dcs.wait_for_change(after)` on the current tokio runtime.
    pub fn spawn<D: Dcs + ?Sized + 'static>(dcs: Arc<D>, after: u64) -> Waiter {
        let task = tokio::spawn(async move { dcs.wait_for_change(after).await });
        Waiter { after, task }
    }

    /// True once the wait has returned.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// The revision the wait returned. Panics, naming `what` (the event it should wake on),
    /// unless it returns within `within` a revision greater than the one it waited after.
    pub async fn woke_within(self, within: Duration, what: &str) -> u64 {
        let woke = tokio::time::timeout(within, self.task)
            .await
            .unwrap_or_else(|_| panic!("the waiter did not wake within {within:?} {what}"))
            .expect("waiter task")
            .expect("wait_for_change");
        assert!(
            woke > self.after,
            "the waiter woke {what} at revision {woke}, not after {}",
            self.after
        );
        woke
    }
}
