//! `FaultyDcs`: a node's [`MemoryDcs`] client behind the faults injected into that node.
//!
//! - cut off (partition): every call fails `Unreachable` without applying, sometimes after
//!   hanging for a while (a black hole rather than a refused connection);
//! - lost reply: the call applies, but the caller gets a `Timeout`;
//! - slow: the request and the reply each take a random delay;
//! - stale: the per-cycle read ([`Dcs::read_recent`]) comes from a watch's cache that may be
//!   a moment behind (see [`super::watch_view`]).
//!
//! Delays move the *global* clock forward inside the call, so the store applies the request at
//! the later time and the node's clock reads the later time when the reply arrives, exactly as
//! if the call had taken that long. The rest of the world is simply late for that long (as if
//! every other agent had paused), which never makes an unsafe run look safe.

use super::clock::SleepUntil;
use super::state::Shared;
use crate::dcs::{Dcs, DcsError, MemoryDcs};
use crate::model::{Condition, Key, Snapshot, Version};
use async_trait::async_trait;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// What the faults do to one call, chosen before it is sent.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    /// Fails after `hang` without reaching the store.
    Unreachable { hang: Duration },
    /// Reaches the store after `request`; the reply takes `reply` and is lost if `lost`.
    Delivered {
        request: Duration,
        reply: Duration,
        lost: bool,
    },
}

/// One node's DCS client with fault injection.
#[derive(Debug)]
pub struct FaultyDcs {
    inner: MemoryDcs,
    node: usize,
    shared: Shared,
    /// The store's revision after this node's last write that succeeded.
    own_write: AtomicU64,
    /// The last cached read this node got.
    last_seen: Mutex<Option<Snapshot>>,
}

impl FaultyDcs {
    /// Wraps `inner`, the client of node `node`.
    pub fn new(inner: MemoryDcs, node: usize, shared: Shared) -> FaultyDcs {
        FaultyDcs {
            inner,
            node,
            shared,
            own_write: AtomicU64::new(0),
            last_seen: Mutex::new(None),
        }
    }

    /// Runs a call that writes; once it succeeds this node's cached reads show it.
    async fn write_call<T, F>(&self, what: &str, op: F) -> Result<T, DcsError>
    where
        F: std::future::Future<Output = Result<T, DcsError>> + Send,
        T: Send,
    {
        let result = self
            .call(what, async {
                let result = op.await;
                if result.is_ok() {
                    let revision = self.inner.store().revision();
                    self.own_write.fetch_max(revision, Ordering::Relaxed);
                }
                result
            })
            .await;
        result
    }

    /// The read a watch's cache serves now.
    async fn cached_read(&self) -> Result<Snapshot, DcsError> {
        let fresh = self.inner.read().await?;
        let watched = {
            let state = self.shared.lock();
            let now = state.now();
            if state.dcs_history.delay == 0 {
                return Ok(fresh);
            }
            state.dcs_history.as_of(now).cloned()
        };
        let mut last_seen = self
            .last_seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let own_write = self.own_write.load(Ordering::Relaxed);
        let view =
            super::watch_view::choose(watched.as_ref(), fresh, own_write, last_seen.as_ref());
        *last_seen = Some(view.clone());
        Ok(view)
    }

    fn fate(&self) -> Fate {
        let mut state = self.shared.lock();
        let now = state.now();
        let Some(faults) = state.nodes.get(self.node).map(|n| n.faults.clone()) else {
            return Fate::Unreachable {
                hang: Duration::ZERO,
            };
        };
        if faults.dcs_cut(now) {
            let hang = random_delay(&mut state.rng, faults.dcs_hang);
            return Fate::Unreachable { hang };
        }
        let (request, reply) = if faults.slow(now) {
            let total = random_delay(&mut state.rng, faults.slow_max);
            let request = random_delay(&mut state.rng, total);
            (request, total - request)
        } else {
            (Duration::ZERO, Duration::ZERO)
        };
        let lost = faults.lossy(now) && state.rng.chance(faults.lost_probability);
        Fate::Delivered {
            request,
            reply,
            lost,
        }
    }

    /// Waits `delay` of simulated time; other nodes act meanwhile.
    async fn wait(&self, delay: Duration) {
        if delay.is_zero() {
            return;
        }
        let (clock, until) = {
            let state = self.shared.lock();
            (
                Arc::clone(&state.clock),
                state.now() + delay.as_micros() as u64,
            )
        };
        SleepUntil::new(clock, until).await;
    }

    /// Runs one call under the faults.
    async fn call<T, F>(&self, what: &str, op: F) -> Result<T, DcsError>
    where
        F: std::future::Future<Output = Result<T, DcsError>> + Send,
        T: Send,
    {
        match self.fate() {
            Fate::Unreachable { hang } => {
                self.wait(hang).await;
                Err(DcsError::Unreachable(format!(
                    "{what}: partitioned from the DCS"
                )))
            }
            Fate::Delivered {
                request,
                reply,
                lost,
            } => {
                self.wait(request).await;
                let result = op.await;
                self.wait(reply).await;
                if lost {
                    return Err(DcsError::Timeout(format!("{what}: the reply was lost")));
                }
                result
            }
        }
    }
}

fn random_delay(rng: &mut super::rng::SimRng, max: Duration) -> Duration {
    Duration::from_micros(rng.below(max.as_micros() as u64 + 1))
}

#[async_trait]
impl Dcs for FaultyDcs {
    async fn read(&self) -> Result<Snapshot, DcsError> {
        self.call("read", self.inner.read()).await
    }

    async fn read_recent(&self) -> Result<Snapshot, DcsError> {
        self.call("read_recent", self.cached_read()).await
    }

    async fn acquire_leader(&self, name: &str, ttl: Duration) -> Result<bool, DcsError> {
        self.write_call("acquire_leader", self.inner.acquire_leader(name, ttl))
            .await
    }

    async fn renew_leader(&self, name: &str, ttl: Duration) -> Result<bool, DcsError> {
        self.write_call("renew_leader", self.inner.renew_leader(name, ttl))
            .await
    }

    /// Local state of the client (the etcd backend keeps it in memory): no fault applies.
    async fn lease_extended_ago(&self) -> Option<Duration> {
        self.inner.lease_extended_ago().await
    }

    async fn release_leader(&self, name: &str) -> Result<bool, DcsError> {
        self.write_call("release_leader", self.inner.release_leader(name))
            .await
    }

    async fn touch_member(&self, name: &str, value: &str, ttl: Duration) -> Result<(), DcsError> {
        self.write_call("touch_member", self.inner.touch_member(name, value, ttl))
            .await
    }

    async fn write(
        &self,
        key: Key,
        value: &str,
        condition: Condition,
    ) -> Result<Option<Version>, DcsError> {
        self.write_call("write", self.inner.write(key, value, condition))
            .await
    }

    async fn delete(&self, key: Key, condition: Condition) -> Result<bool, DcsError> {
        self.write_call("delete", self.inner.delete(key, condition))
            .await
    }

    async fn delete_cluster(&self) -> Result<(), DcsError> {
        self.write_call("delete_cluster", self.inner.delete_cluster())
            .await
    }

    async fn wait_for_change(&self, after: u64) -> Result<u64, DcsError> {
        self.call("wait_for_change", self.inner.wait_for_change(after))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dcs::MemoryStore;
    use crate::sim::clock::GlobalClock;
    use crate::sim::executor::{block_on, run_to_end};
    use crate::sim::rng::SimRng;
    use crate::sim::state::SimState;
    use std::sync::Arc;

    fn setup() -> (Shared, FaultyDcs, MemoryDcs) {
        let clock = Arc::new(GlobalClock::new());
        let shared = Shared::new(SimState::new(
            Arc::clone(&clock),
            SimRng::new(1),
            &["a".to_string()],
        ));
        let store = MemoryStore::new(clock);
        let dcs = FaultyDcs::new(store.client("s", "a"), 0, shared.clone());
        (shared, dcs, store.client("s", "observer"))
    }

    fn config_value(observer: &MemoryDcs) -> Option<String> {
        let snapshot = block_on(observer.read()).ok()?;
        snapshot.get("config").map(|e| e.value.clone())
    }

    #[test]
    fn a_partitioned_call_fails_without_applying() {
        let (shared, dcs, observer) = setup();
        shared.lock().nodes[0].faults.dcs_cut_until = Some(1_000_000);
        let result = block_on(dcs.write(Key::Config, "{}", Condition::Any));
        assert!(matches!(result, Err(DcsError::Unreachable(_))));
        assert_eq!(config_value(&observer), None);
    }

    #[test]
    fn a_lost_reply_applies_but_reports_an_error() {
        let (shared, dcs, observer) = setup();
        {
            let mut state = shared.lock();
            state.nodes[0].faults.lost_until = Some(1_000_000);
            state.nodes[0].faults.lost_probability = 1.0;
        }
        let result = block_on(dcs.write(Key::Config, "{}", Condition::Any));
        assert!(matches!(result, Err(DcsError::Timeout(_))));
        assert_eq!(config_value(&observer).as_deref(), Some("{}"));
    }

    #[test]
    fn a_slow_call_takes_simulated_time() {
        let (shared, dcs, _) = setup();
        {
            let mut state = shared.lock();
            state.nodes[0].faults.slow_until = Some(1_000_000);
            state.nodes[0].faults.slow_max = Duration::from_secs(1);
        }
        let mut total = 0;
        for _ in 0..20 {
            let before = shared.lock().now();
            let clock = Arc::clone(&shared.lock().clock);
            assert!(run_to_end(dcs.read(), &clock).is_ok());
            let after = shared.lock().now();
            assert!(after - before <= 1_000_000);
            total += after - before;
        }
        assert!(total > 0);
    }

    #[test]
    fn without_faults_calls_pass_through() {
        let (shared, dcs, observer) = setup();
        assert_eq!(
            block_on(dcs.acquire_leader("a", Duration::from_secs(5))),
            Ok(true)
        );
        let snapshot = block_on(observer.read()).map(|s| s.get("leader").map(|e| e.value.clone()));
        assert_eq!(snapshot, Ok(Some("a".to_string())));
        assert_eq!(shared.lock().now(), 0);
    }
}
