//! Primary discovery for applications: the cluster's current primary and healthy replicas,
//! read from the DCS and followed through its watch, with no agent code.
//!
//! ```
//! use pg_ha_core::discovery::Discovery;
//! use pg_ha_core::{Dcs, MemoryStore};
//! use std::sync::Arc;
//!
//! # async fn demo() -> Result<(), pg_ha_core::DcsError> {
//! let store = MemoryStore::new(Arc::new(pg_ha_core::time::SystemClock::new()));
//! let discovery = Discovery::new(store.client("batman", "my-app"));
//! let mut topology = discovery.topology().await?;
//! loop {
//!     if let Some(primary) = &topology.primary {
//!         println!("primary {} at {:?}", primary.name, primary.conn_url);
//!     }
//!     let (next, changes) = discovery.next_change(&topology).await?;
//!     println!("{changes:?}");
//!     topology = next;
//! #   break;
//! }
//! # Ok(())
//! # }
//! ```
//!
//! With a real DCS, build the backend from Patroni's section, e.g.
//! `dcs_etcd::EtcdDcs::new(&EtcdConfig::from_patroni(section, scope, namespace, timeout)?)`.

mod change;
mod topology;

pub use change::Change;
pub use topology::{Node, Topology};

use crate::dcs::{Dcs, DcsError};
use crate::model::Cluster;

/// Follows one cluster's topology through a [`Dcs`] client (read-only: it writes nothing).
#[derive(Debug)]
pub struct Discovery<D> {
    dcs: D,
}

impl<D: Dcs> Discovery<D> {
    /// Discovery through `dcs`, a client of the cluster's scope.
    pub fn new(dcs: D) -> Discovery<D> {
        Discovery { dcs }
    }

    /// The topology now (one read of the cluster's keys).
    pub async fn topology(&self) -> Result<Topology, DcsError> {
        let snapshot = self.dcs.read().await?;
        let (cluster, _) = Cluster::from_snapshot(&snapshot);
        Ok(Topology::of(&cluster))
    }

    /// Waits on the DCS watch until the topology differs from `after` (the primary, a
    /// replica, its address, tags or health), and returns the new one with what changed.
    /// Changes that leave the topology as it was (a replica's WAL position, the leader's
    /// lease renewal) do not wake the caller. Bound it with your own timer if needed.
    pub async fn next_change(&self, after: &Topology) -> Result<(Topology, Vec<Change>), DcsError> {
        let mut revision = after.revision;
        loop {
            revision = self.dcs.wait_for_change(revision).await?;
            let now = self.topology().await?;
            revision = revision.max(now.revision);
            let changes = Change::between(after, &now);
            if !changes.is_empty() {
                return Ok((now, changes));
            }
        }
    }
}

#[cfg(test)]
mod tests;
