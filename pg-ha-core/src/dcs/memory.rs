//! `MemoryDcs`: an in-memory [`Dcs`] for tests and the simulator.
//!
//! A [`MemoryStore`] plays the server: it holds many clusters (keyed by scope), a global
//! revision counter like etcd's, and leases that expire on the store's [`Clock`]. Each node
//! talks to it through its own [`MemoryDcs`] client, which owns one lease (like an etcd lease):
//! the leader key (while held) and the node's member key are bound to it, and both vanish in
//! one revision when the clock passes the lease's expiry.
//!
//! There are no timers: expiry is checked lazily on every operation, and whoever advances
//! the clock calls [`MemoryStore::expire`] so that waiters in
//! [`Dcs::wait_for_change`] see the change.

mod expiry;
mod state;
#[cfg(test)]
mod tests;

use super::{Dcs, DcsError};
use crate::config::leader_keep_alive_skip;
use crate::model::{Condition, Key, Snapshot, Version, LEADER_PATH, MEMBERS_PREFIX};
use crate::time::{Clock, Mono};
use async_trait::async_trait;
pub use expiry::Expiry;
use state::{ClientId, State};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::watch;

/// The shared in-memory store: the "server" that [`MemoryDcs`] clients talk to.
///
/// Cheap to clone; clones share the same data. Leases expire on the clock given to
/// [`MemoryStore::new`].
#[derive(Clone)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

struct Inner {
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    /// Carries the global revision after every mutation, to wake waiters.
    changes: watch::Sender<u64>,
}

impl MemoryStore {
    /// An empty store whose leases expire on `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> MemoryStore {
        let (changes, _) = watch::channel(0);
        MemoryStore {
            inner: Arc::new(Inner {
                clock,
                state: Mutex::new(State::default()),
                changes,
            }),
        }
    }

    /// A client for node `node` of cluster `scope`, with its own (not yet granted) lease.
    ///
    /// Two clients never share a lease, even with the same scope and node: a second client
    /// for a node is a restarted process. Dropping a client does not revoke its lease; its
    /// keys stay until the lease expires, like a crashed node's.
    pub fn client(&self, scope: &str, node: &str) -> MemoryDcs {
        let id = self.with_state(|state, _| state.next_id());
        MemoryDcs {
            store: self.clone(),
            scope: scope.to_string(),
            node: node.to_string(),
            id,
        }
    }

    /// Revokes expired leases as `expiry` says (the real backends' cadence) from now on.
    pub fn set_expiry(&self, expiry: Expiry) {
        self.with_state(|state, _| state.expiry = expiry);
    }

    /// Renewals skip the keep-alive of a lease kept alive a moment ago, as the etcd backend
    /// does (a member key's within a quarter ttl, the leader key's within
    /// [`leader_keep_alive_skip`]), and [`Dcs::lease_extended_ago`] says when it really was.
    pub fn skip_fresh_keep_alives(&self) {
        self.with_state(|state, _| state.skip_fresh = true);
    }

    /// How many renewals skipped the keep-alive of a fresh lease so far
    /// ([`MemoryStore::skip_fresh_keep_alives`]).
    pub fn skipped_keep_alives(&self) -> u64 {
        self.with_state(|state, _| state.skipped)
    }

    /// Revokes every lease that expired on the store's clock and deletes its keys, waking
    /// waiters. Every operation does this first; call it after advancing the clock so that
    /// pending [`Dcs::wait_for_change`] calls see the expiry without another operation.
    pub fn expire(&self) {
        self.with_state(|_, _| ());
    }

    /// The store's current global revision.
    pub fn revision(&self) -> u64 {
        self.with_state(|state, _| state.revision)
    }

    /// Runs `f` on the state after expiring leases, and wakes waiters if the revision moved.
    fn with_state<R>(&self, f: impl FnOnce(&mut State, Mono) -> R) -> R {
        let now = self.inner.clock.now();
        let mut state = self
            .inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let before = state.revision;
        state.expire(now);
        let result = f(&mut state, now);
        if state.revision != before {
            self.inner.changes.send_replace(state.revision);
        }
        result
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let revision = self
            .inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .revision;
        f.debug_struct("MemoryStore")
            .field("revision", &revision)
            .finish_non_exhaustive()
    }
}

/// One node's client of a [`MemoryStore`], serving one cluster (scope). Implements [`Dcs`].
#[derive(Debug)]
pub struct MemoryDcs {
    store: MemoryStore,
    scope: String,
    node: String,
    id: ClientId,
}

impl MemoryDcs {
    /// The cluster (scope) this client serves.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The node name this client was created for.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// The store this client talks to.
    pub fn store(&self) -> &MemoryStore {
        &self.store
    }
}

impl Drop for MemoryDcs {
    fn drop(&mut self) {
        let id = self.id;
        self.store.with_state(|state, _| state.forget_client(id));
    }
}

fn member_path(name: &str) -> String {
    format!("{MEMBERS_PREFIX}{name}")
}

#[async_trait]
impl Dcs for MemoryDcs {
    async fn read(&self) -> Result<Snapshot, DcsError> {
        Ok(self.store.with_state(|state, _| Snapshot {
            revision: state.revision,
            entries: state.entries(&self.scope),
        }))
    }

    async fn acquire_leader(&self, name: &str, ttl: Duration) -> Result<bool, DcsError> {
        Ok(self.store.with_state(|state, now| {
            if state.get(&self.scope, LEADER_PATH).is_some() {
                return false;
            }
            let lease = state.keep_alive(self.id, ttl, now);
            state.put(&self.scope, LEADER_PATH, name, Some(lease));
            true
        }))
    }

    async fn renew_leader(&self, name: &str, ttl: Duration) -> Result<bool, DcsError> {
        Ok(self.store.with_state(|state, now| {
            let held = state
                .get(&self.scope, LEADER_PATH)
                .map(|stored| (stored.value == name, stored.lease));
            match held {
                Some((true, bound)) => {
                    let lease = state.renew(self.id, ttl, leader_keep_alive_skip(ttl), now);
                    if bound != Some(lease) {
                        // Our name under another lease (e.g. before a restart): take it over,
                        // as Patroni's etcd3 renewal does.
                        state.rebind(&self.scope, LEADER_PATH, lease);
                    }
                    true
                }
                _ => {
                    state.extend(self.id, ttl, leader_keep_alive_skip(ttl), now);
                    false
                }
            }
        }))
    }

    async fn lease_extended_ago(&self) -> Option<Duration> {
        self.store
            .with_state(|state, now| state.extended_ago(self.id, now))
    }

    async fn release_leader(&self, name: &str) -> Result<bool, DcsError> {
        Ok(self
            .store
            .with_state(|state, _| match state.get(&self.scope, LEADER_PATH) {
                Some(stored) if stored.value == name => state.remove(&self.scope, LEADER_PATH),
                _ => false,
            }))
    }

    async fn touch_member(&self, name: &str, value: &str, ttl: Duration) -> Result<(), DcsError> {
        self.store.with_state(|state, now| {
            let lease = state.renew(self.id, ttl, ttl / 4, now);
            state.put(&self.scope, &member_path(name), value, Some(lease));
        });
        Ok(())
    }

    async fn refresh_member(&self, name: &str, value: &str, ttl: Duration) -> Result<(), DcsError> {
        self.store.with_state(|state, now| {
            let lease = state.renew(self.id, ttl, ttl / 4, now);
            let path = member_path(name);
            let kept = state
                .get(&self.scope, &path)
                .is_some_and(|s| s.value == value && s.lease == Some(lease));
            if !kept {
                state.put(&self.scope, &path, value, Some(lease));
            }
        });
        Ok(())
    }

    async fn write(
        &self,
        key: Key,
        value: &str,
        condition: Condition,
    ) -> Result<Option<Version>, DcsError> {
        Ok(self.store.with_state(|state, _| {
            let current = state.get(&self.scope, key.path()).map(|s| s.version);
            let allowed = match condition {
                Condition::Any => true,
                Condition::Absent => current.is_none(),
                Condition::Version(v) => current == Some(v),
            };
            allowed.then(|| state.put(&self.scope, key.path(), value, None))
        }))
    }

    async fn delete(&self, key: Key, condition: Condition) -> Result<bool, DcsError> {
        Ok(self.store.with_state(|state, _| {
            let current = state.get(&self.scope, key.path()).map(|s| s.version);
            match condition {
                Condition::Any => {
                    state.remove(&self.scope, key.path());
                    true
                }
                // Nothing to delete when the key must be absent.
                Condition::Absent => false,
                Condition::Version(v) if current == Some(v) => {
                    state.remove(&self.scope, key.path())
                }
                Condition::Version(_) => false,
            }
        }))
    }

    async fn delete_cluster(&self) -> Result<(), DcsError> {
        self.store
            .with_state(|state, _| state.remove_all(&self.scope));
        Ok(())
    }

    async fn wait_for_change(&self, after: u64) -> Result<u64, DcsError> {
        loop {
            // Subscribe before checking, so a change between the check and the wait is seen.
            let mut changes = self.store.inner.changes.subscribe();
            let ready = self.store.with_state(|state, _| {
                (state.changed_at(&self.scope) > after).then_some(state.revision)
            });
            if let Some(revision) = ready {
                return Ok(revision);
            }
            changes
                .changed()
                .await
                .map_err(|_| DcsError::Unreachable("memory store closed".to_string()))?;
        }
    }
}
