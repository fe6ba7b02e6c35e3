//! Recent reads served from the open watch: the last full read stays current while the
//! watch that covers every revision after it has delivered no event, the node made no write
//! since, and none of its requests failed. This is what Patroni's etcd3 `KVCache` does; here
//! it saves the per-cycle range request of an idle cluster. A bounded age forces a full read
//! now and then all the same.

use crate::backend::EtcdDcs;
use crate::watch::OpenWatch;
use pg_ha_core::model::Snapshot;
use std::future::Future;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio::time::Instant;

/// The oldest full read a recent read may return.
pub(crate) const MAX_AGE: Duration = Duration::from_secs(5);

/// The last full read and whether it may still be served.
#[derive(Debug, Default)]
pub(crate) struct ReadCache {
    state: Mutex<CacheState>,
}

#[derive(Debug, Default)]
struct CacheState {
    /// Bumped by every invalidation, so a read that started before one is not stored.
    generation: u64,
    last: Option<(Snapshot, Instant)>,
}

impl ReadCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The generation to hand to [`ReadCache::store`] for a read starting now.
    pub(crate) fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Keeps `snapshot`, read since `generation`, unless an invalidation came in between.
    pub(crate) fn store(&self, generation: u64, snapshot: &Snapshot) {
        let mut state = self.lock();
        if state.generation == generation {
            state.last = Some((snapshot.clone(), Instant::now()));
        }
    }

    /// Forgets the last read (after a write of this node's or a failed request).
    pub(crate) fn invalidate(&self) {
        let mut state = self.lock();
        state.generation += 1;
        state.last = None;
    }

    /// The last read if it is younger than `max_age`.
    fn younger_than(&self, max_age: Duration) -> Option<Snapshot> {
        let state = self.lock();
        let (snapshot, at) = state.last.as_ref()?;
        (at.elapsed() < max_age).then(|| snapshot.clone())
    }
}

impl EtcdDcs {
    /// The last full read, if the open watch shows that nothing changed since.
    pub(crate) fn recent_from_watch(&self) -> Option<Snapshot> {
        let snapshot = self.cache.younger_than(MAX_AGE)?;
        let mut slot = self.watch.try_lock().ok()?;
        let watch = slot.as_mut()?;
        if watch.from > snapshot.revision.saturating_add(1) {
            return None;
        }
        if !drain(watch) {
            *slot = None;
            return None;
        }
        (watch.seen <= snapshot.revision).then_some(snapshot)
    }
}

/// Reads the messages the watch already received, without waiting; false when the watch
/// failed, closed or was canceled and must be dropped.
fn drain(watch: &mut OpenWatch) -> bool {
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        let message = std::pin::pin!(watch.stream.message()).poll(&mut cx);
        match message {
            Poll::Pending => return true,
            Poll::Ready(Ok(Some(resp))) => {
                watch.note(&resp);
                if resp.canceled() {
                    return false;
                }
            }
            Poll::Ready(Ok(None) | Err(_)) => return false,
        }
    }
}
