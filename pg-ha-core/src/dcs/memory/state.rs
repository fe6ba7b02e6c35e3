//! The data behind a [`MemoryStore`](super::MemoryStore): clusters, leases and the global
//! revision counter. Plain synchronous code; the store wraps it in a mutex.

use crate::model::{Entry, Version};
use crate::time::Mono;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// Identifies a lease (an etcd lease, a Consul session, a ZooKeeper session).
pub(super) type LeaseId = u64;
/// Identifies one [`MemoryDcs`](super::MemoryDcs) client.
pub(super) type ClientId = u64;

/// One stored key.
#[derive(Debug, Clone)]
pub(super) struct Stored {
    /// The value as written.
    pub(super) value: String,
    /// The revision of the key's last modification.
    pub(super) version: Version,
    /// The lease the key is bound to; `None` for permanent keys.
    pub(super) lease: Option<LeaseId>,
}

/// The keys of one cluster (scope).
#[derive(Debug, Default)]
pub(super) struct ClusterKeys {
    /// Path relative to the cluster prefix -> stored key.
    pub(super) keys: BTreeMap<String, Stored>,
    /// The revision of the last change to any key of this cluster (0: never changed).
    pub(super) changed_at: u64,
}

/// Everything the store holds.
#[derive(Debug, Default)]
pub(super) struct State {
    /// The global revision: incremented by every mutation, like etcd's.
    pub(super) revision: u64,
    /// The last id handed out to a lease or a client.
    next_id: u64,
    /// Live leases and the instant at which each is revoked.
    leases: HashMap<LeaseId, Mono>,
    /// The current lease of each live client, if it has one.
    clients: HashMap<ClientId, LeaseId>,
    /// Clusters by scope.
    clusters: HashMap<String, ClusterKeys>,
    /// When expired leases are revoked.
    pub(super) expiry: super::Expiry,
    /// Whether a renewal skips the keep-alive of a lease kept alive a moment before, as the
    /// etcd backend does ([`State::renew`]).
    pub(super) skip_fresh: bool,
    /// Renewals that skipped the keep-alive ([`State::renew`]).
    pub(super) skipped: u64,
    /// When each live lease was last really kept alive, and for which ttl.
    renewed: HashMap<LeaseId, (Mono, Duration)>,
}

impl State {
    /// A fresh id for a client or a lease.
    pub(super) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Forgets a client (its lease, if any, lives on until it expires).
    pub(super) fn forget_client(&mut self, client: ClientId) {
        self.clients.remove(&client);
    }

    /// Revokes every lease that has expired at `now` and deletes the keys bound to them, in
    /// one revision (like etcd's lease revocation).
    pub(super) fn expire(&mut self, now: Mono) {
        let dead: Vec<LeaseId> = self
            .leases
            .iter()
            .filter(|(_, expires)| now >= **expires)
            .map(|(id, _)| *id)
            .collect();
        if dead.is_empty() {
            return;
        }
        for id in &dead {
            self.leases.remove(id);
            self.renewed.remove(id);
        }
        self.clients.retain(|_, lease| !dead.contains(lease));
        let next = self.revision + 1;
        let mut changed = false;
        for cluster in self.clusters.values_mut() {
            let before = cluster.keys.len();
            cluster
                .keys
                .retain(|_, stored| !matches!(stored.lease, Some(l) if dead.contains(&l)));
            if cluster.keys.len() != before {
                cluster.changed_at = next;
                changed = true;
            }
        }
        if changed {
            self.revision = next;
        }
    }

    /// The client's live lease, if it has one.
    pub(super) fn lease_of(&self, client: ClientId) -> Option<LeaseId> {
        self.clients
            .get(&client)
            .copied()
            .filter(|lease| self.leases.contains_key(lease))
    }

    /// Extends the client's lease to `now + ttl`, granting a new one if it has none.
    pub(super) fn keep_alive(&mut self, client: ClientId, ttl: Duration, now: Mono) -> LeaseId {
        let lease = match self.lease_of(client) {
            Some(lease) => lease,
            None => {
                let lease = self.next_id();
                self.clients.insert(client, lease);
                lease
            }
        };
        let revoked = self.expiry.revoked_at(now + ttl, ttl, lease);
        self.leases.insert(lease, revoked);
        self.renewed.insert(lease, (now, ttl));
        lease
    }

    /// A renewal: [`State::keep_alive`], unless [`State::skip_fresh`] is set and the lease
    /// was kept alive with the same ttl less than `skip` ago, when it is left as it is (the
    /// etcd backend skips that round trip and dates the renewal back).
    pub(super) fn renew(
        &mut self,
        client: ClientId,
        ttl: Duration,
        skip: Duration,
        now: Mono,
    ) -> LeaseId {
        let fresh = self.lease_of(client).filter(|lease| {
            self.skip_fresh
                && self
                    .renewed
                    .get(lease)
                    .is_some_and(|&(at, with)| with == ttl && now.since(at) < skip)
        });
        match fresh {
            Some(lease) => {
                self.skipped += 1;
                lease
            }
            None => self.keep_alive(client, ttl, now),
        }
    }

    /// How long before `now` the client's lease was last really kept alive, when renewals
    /// may skip it ([`State::skip_fresh`]); `None` otherwise or without a lease.
    pub(super) fn extended_ago(&self, client: ClientId, now: Mono) -> Option<Duration> {
        if !self.skip_fresh {
            return None;
        }
        let lease = self.lease_of(client)?;
        self.renewed.get(&lease).map(|&(at, _)| now.since(at))
    }

    /// Renews the client's lease ([`State::renew`]) if it has a live one; never grants.
    pub(super) fn extend(&mut self, client: ClientId, ttl: Duration, skip: Duration, now: Mono) {
        if self.lease_of(client).is_some() {
            self.renew(client, ttl, skip, now);
        }
    }

    /// The stored key `path` of cluster `scope`, if present.
    pub(super) fn get(&self, scope: &str, path: &str) -> Option<&Stored> {
        self.clusters.get(scope).and_then(|c| c.keys.get(path))
    }

    /// Writes `path` in `scope` at a new revision and returns that revision (the new version).
    pub(super) fn put(
        &mut self,
        scope: &str,
        path: &str,
        value: &str,
        lease: Option<LeaseId>,
    ) -> Version {
        self.revision += 1;
        let revision = self.revision;
        let cluster = self.clusters.entry(scope.to_string()).or_default();
        cluster.keys.insert(
            path.to_string(),
            Stored {
                value: value.to_string(),
                version: revision,
                lease,
            },
        );
        cluster.changed_at = revision;
        revision
    }

    /// Rebinds an existing key to `lease` at a new revision (an etcd put with a new lease).
    pub(super) fn rebind(&mut self, scope: &str, path: &str, lease: LeaseId) {
        let Some(stored) = self.get(scope, path).cloned() else {
            return;
        };
        self.put(scope, path, &stored.value, Some(lease));
    }

    /// Deletes `path` in `scope`; a new revision only if the key existed.
    pub(super) fn remove(&mut self, scope: &str, path: &str) -> bool {
        let next = self.revision + 1;
        let Some(cluster) = self.clusters.get_mut(scope) else {
            return false;
        };
        if cluster.keys.remove(path).is_none() {
            return false;
        }
        cluster.changed_at = next;
        self.revision = next;
        true
    }

    /// Deletes every key of `scope` in one revision (none if the scope was empty).
    pub(super) fn remove_all(&mut self, scope: &str) {
        let next = self.revision + 1;
        let Some(cluster) = self.clusters.get_mut(scope) else {
            return;
        };
        if cluster.keys.is_empty() {
            return;
        }
        cluster.keys.clear();
        cluster.changed_at = next;
        self.revision = next;
    }

    /// The revision of the last change to `scope` (0 if it never changed).
    pub(super) fn changed_at(&self, scope: &str) -> u64 {
        self.clusters.get(scope).map_or(0, |c| c.changed_at)
    }

    /// Every key of `scope`, sorted by path.
    pub(super) fn entries(&self, scope: &str) -> Vec<Entry> {
        let Some(cluster) = self.clusters.get(scope) else {
            return Vec::new();
        };
        cluster
            .keys
            .iter()
            .map(|(path, stored)| Entry {
                key: path.clone(),
                value: stored.value.clone(),
                version: stored.version,
                session: stored.lease.map(|l| l.to_string()),
            })
            .collect()
    }
}
