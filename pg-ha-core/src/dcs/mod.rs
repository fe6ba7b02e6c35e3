//! The `Dcs` trait: what pg-ha needs from a distributed configuration store.

mod error;
mod memory;
mod paths;

pub use error::DcsError;
pub use memory::{Expiry, MemoryDcs, MemoryStore};
pub use paths::{cluster_prefix, ClusterPaths, DEFAULT_NAMESPACE};

use crate::model::{Cluster, Condition, Key, ParseError, Snapshot, Version};
use async_trait::async_trait;
use std::time::Duration;

/// A distributed configuration store holding one cluster's keys under
/// `/<namespace>/<scope>/`, in Patroni's layout.
///
/// One value of this trait serves one node: it owns that node's lease or session, to which the
/// leader key (while held) and the node's member key are bound. Every write that can race is
/// conditional. The trait is object safe so backends can be chosen at run time.
#[async_trait]
pub trait Dcs: Send + Sync {
    /// One consistent read of every key under the cluster prefix. Called once per cycle.
    async fn read(&self) -> Result<Snapshot, DcsError>;

    /// A read for the per-cycle observation: it shows every write of this node and every
    /// change the backend's watch has delivered, but may miss a change another node made in
    /// the last moments (the watch reports it next, and a conditional write never acts on a
    /// stale view). Backends that keep a watch open serve it without a round trip while
    /// nothing changed, as Patroni's etcd3 cache does. The default is [`Dcs::read`].
    async fn read_recent(&self) -> Result<Snapshot, DcsError> {
        self.read().await
    }

    /// Creates the leader key with value `name`, bound to this node's lease of `ttl`, only if
    /// no leader key exists. `Ok(true)` means this node holds it now.
    async fn acquire_leader(&self, name: &str, ttl: Duration) -> Result<bool, DcsError>;

    /// Extends this node's lease to `ttl` from now, and checks the leader key still holds
    /// `name`. `Ok(false)` means the key is gone or someone else's: leadership is lost.
    async fn renew_leader(&self, name: &str, ttl: Duration) -> Result<bool, DcsError>;

    /// How long before this call the node's lease was last really extended, for a backend
    /// whose [`Dcs::renew_leader`] may skip the round trip while the lease is still fresh
    /// (etcd keeps it alive every quarter ttl, as its member keys). The runner dates a
    /// renewal back that far, so that the write fence never outlives the lease. `None`
    /// (the default): every successful renewal extended the lease when it was sent. A layer
    /// over another `Dcs` must forward this call.
    async fn lease_extended_ago(&self) -> Option<Duration> {
        None
    }

    /// Deletes the leader key only if it still holds `name`. `Ok(true)` if it was deleted.
    async fn release_leader(&self, name: &str) -> Result<bool, DcsError>;

    /// Writes `members/<name>` with `value`, bound to this node's lease of `ttl`, so the key
    /// disappears when the node stops renewing. Also keeps the lease alive.
    async fn touch_member(&self, name: &str, value: &str, ttl: Duration) -> Result<(), DcsError>;

    /// Keeps `members/<name>` (last written with `value`) and this node's lease alive for
    /// `ttl` from now. A backend whose lease or session keeps the key overrides this to skip
    /// rewriting an unchanged value, so other nodes' watches stay quiet; it writes `value`
    /// again when the lease had to be replaced. The default rewrites it with
    /// [`Dcs::touch_member`].
    async fn refresh_member(&self, name: &str, value: &str, ttl: Duration) -> Result<(), DcsError> {
        self.touch_member(name, value, ttl).await
    }

    /// Writes a cluster-wide key if `condition` holds. `Ok(Some(version))` is the new version;
    /// `Ok(None)` means the condition failed and nothing was written.
    async fn write(
        &self,
        key: Key,
        value: &str,
        condition: Condition,
    ) -> Result<Option<Version>, DcsError>;

    /// Deletes a cluster-wide key if `condition` holds. `Ok(true)` if it was deleted or did not
    /// exist under `Condition::Any`. (ZooKeeper's `sync` delete writes `{}` instead.)
    async fn delete(&self, key: Key, condition: Condition) -> Result<bool, DcsError>;

    /// Deletes every key under the cluster prefix (`ctl remove`).
    async fn delete_cluster(&self) -> Result<(), DcsError>;

    /// Waits until the store's revision is greater than `after`, and returns the new revision.
    /// Never misses a change made after `after`, even across reconnects. Callers bound the wait
    /// with their own timer.
    async fn wait_for_change(&self, after: u64) -> Result<u64, DcsError>;
}

/// Typed helpers over any [`Dcs`].
#[async_trait]
pub trait DcsExt: Dcs {
    /// Reads and parses the cluster; malformed values are logged and treated as missing.
    async fn load(&self) -> Result<Cluster, DcsError> {
        let snapshot = self.read().await?;
        let (cluster, errors) = Cluster::from_snapshot(&snapshot);
        log_parse_errors(&errors);
        Ok(cluster)
    }
}

impl<T: Dcs + ?Sized> DcsExt for T {}

fn log_parse_errors(errors: &[ParseError]) {
    for e in errors {
        tracing::warn!(key = %e.key, "ignoring malformed DCS value: {}", e.reason);
    }
}
