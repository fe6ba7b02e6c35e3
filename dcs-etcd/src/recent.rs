//! Recent reads served from the open watch, as Patroni's etcd3 `KVCache` does: the last full
//! read is kept current by applying the events the watch delivers, so an idle cluster (and
//! one whose only change is a write now and then) costs no range request. The cache serves
//! a read only while the watch covers every revision after it, it shows every write this
//! node made, and none of the node's requests failed since. A bounded age forces a full read
//! now and then all the same.

use crate::backend::EtcdDcs;
use crate::snapshot::revision;
use crate::watch::OpenWatch;
use etcd_client::{Event, EventType};
use pg_ha_core::dcs::ClusterPaths;
use pg_ha_core::model::{Entry, Snapshot};
use std::future::Future;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio::time::Instant;

/// The oldest full read the cache may still serve (with the watch's events applied).
pub(crate) const MAX_AGE: Duration = Duration::from_secs(600);

/// The last full read, kept current, and whether it may still be served.
#[derive(Debug, Default)]
pub(crate) struct ReadCache {
    state: Mutex<CacheState>,
}

#[derive(Debug, Default)]
struct CacheState {
    /// Bumped by every invalidation, so a read that started before one is not stored.
    generation: u64,
    /// The snapshot and when it was read in full.
    last: Option<(Snapshot, Instant)>,
    /// The revision of this node's newest write: the cache serves reads once it shows it.
    own_write: u64,
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

    /// Forgets the last read (after a failed request, or a write of unknown outcome).
    pub(crate) fn invalidate(&self) {
        let mut state = self.lock();
        state.generation += 1;
        state.last = None;
    }

    /// This node wrote revision `revision`: reads wait for the watch to show it.
    pub(crate) fn wrote(&self, revision: u64) {
        let mut state = self.lock();
        state.own_write = state.own_write.max(revision);
    }

    /// Applies the events a watch that starts at revision `from` delivered. Nothing is
    /// applied across a gap (the watch started after the snapshot's revision + 1); the
    /// snapshot then stays behind and is not served.
    pub(crate) fn apply(&self, from: u64, events: &[Event], paths: &ClusterPaths) {
        let mut state = self.lock();
        let Some((snapshot, _)) = state.last.as_mut() else {
            return;
        };
        if from > snapshot.revision.saturating_add(1) {
            return;
        }
        let known = snapshot.revision;
        for event in events {
            let Some(kv) = event.kv() else { continue };
            let rev = revision(kv.mod_revision());
            if rev <= known {
                continue;
            }
            // One transaction's events share a revision: raise it after all of them.
            snapshot.revision = snapshot.revision.max(rev);
            let Some(key) = kv.key_str().ok().and_then(|k| paths.relative(k)) else {
                continue;
            };
            match event.event_type() {
                EventType::Delete => snapshot.entries.retain(|e| e.key != key),
                EventType::Put => match kv.value_str() {
                    Ok(value) => upsert(snapshot, key, value, rev, kv.lease()),
                    Err(_) => {
                        tracing::warn!(key, "skipping etcd value that is not UTF-8");
                        snapshot.entries.retain(|e| e.key != key);
                    }
                },
            }
        }
    }

    /// The kept snapshot, if it is younger than [`MAX_AGE`], shows every event up to `seen`
    /// and this node's newest write.
    fn current(&self, seen: u64) -> Option<Snapshot> {
        let state = self.lock();
        let (snapshot, at) = state.last.as_ref()?;
        let fresh = at.elapsed() < MAX_AGE;
        let complete = snapshot.revision >= seen && snapshot.revision >= state.own_write;
        (fresh && complete).then(|| snapshot.clone())
    }
}

/// Writes `key` into `snapshot` in key order, as a range returns it.
fn upsert(snapshot: &mut Snapshot, key: &str, value: &str, rev: u64, lease: i64) {
    let entry = Entry {
        key: key.to_string(),
        value: value.to_string(),
        version: rev,
        session: (lease != 0).then(|| lease.to_string()),
    };
    match snapshot
        .entries
        .binary_search_by(|e| e.key.as_str().cmp(key))
    {
        Ok(i) => snapshot.entries[i] = entry,
        Err(i) => snapshot.entries.insert(i, entry),
    }
}

impl EtcdDcs {
    /// The last full read with every event since applied, if the open watch covers them all.
    pub(crate) fn recent_from_watch(&self) -> Option<Snapshot> {
        let mut slot = self.watch.try_lock().ok()?;
        let watch = slot.as_mut()?;
        let healthy = drain(watch);
        let (events, overflowed) = watch.take_events();
        if overflowed {
            self.cache.invalidate();
        } else {
            self.cache.apply(watch.from, &events, &self.paths);
        }
        if !healthy {
            *slot = None;
            return None;
        }
        self.cache.current(watch.seen)
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
