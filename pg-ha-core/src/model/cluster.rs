//! `Cluster`: one consistent, parsed view of every key under the cluster prefix.

use super::{Failover, Failsafe, History, Leader, Member, Status, SyncState, Version};
use crate::config::DynamicConfig;

/// A parsed value with the version of the key it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    /// The parsed value.
    pub value: T,
    /// The key's version, for conditional writes.
    pub version: Version,
}

/// The `config` key: the raw JSON (for merge patches and `/config`) and its typed form.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigEntry {
    /// The JSON as stored.
    pub raw: serde_json::Value,
    /// The typed dynamic configuration.
    pub parsed: DynamicConfig,
    /// The key's version.
    pub version: Version,
}

/// A parsed snapshot of the cluster. Missing keys are `None` / empty.
///
/// Built by [`Cluster::from_snapshot`], which never fails as a whole: see there for how each
/// malformed key is treated.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cluster {
    /// `initialize`: `Some("")` while bootstrapping, `Some(sysid)` after.
    pub initialize: Option<String>,
    /// `config` (`None` when missing, empty or malformed: nodes keep their last good copy).
    pub config: Option<ConfigEntry>,
    /// `leader`.
    pub leader: Option<Leader>,
    /// Direct children of `members/`, sorted by name.
    pub members: Vec<Member>,
    /// `failover`; `{}`, an empty value or a malformed one parse as an empty request (the
    /// version is kept for conditional writes).
    pub failover: Option<Versioned<Failover>>,
    /// `sync`; an empty or malformed value parses as the inactive state (the version is kept
    /// for conditional writes).
    pub sync: Option<Versioned<SyncState>>,
    /// `history` (empty when missing).
    pub history: History,
    /// The `history` key's version (`None` when missing): a leader's history write is
    /// conditional on it, so that a write delayed past another leader's cannot replace it.
    pub history_version: Option<Version>,
    /// `status` (default when missing; the legacy `optime/leader` key fills a missing optime).
    pub status: Status,
    /// `failsafe` (`None` when missing, empty or malformed).
    pub failsafe: Option<Failsafe>,
    /// The snapshot's store revision.
    pub revision: u64,
}

impl Cluster {
    /// The member named `name`.
    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.name == name)
    }

    /// The leader's member key, if both the leader key and its member key exist.
    pub fn leader_member(&self) -> Option<&Member> {
        self.leader.as_ref().and_then(|l| self.member(&l.name))
    }

    /// The name of the leader, if any.
    pub fn leader_name(&self) -> Option<&str> {
        self.leader.as_ref().map(|l| l.name.as_str())
    }

    /// True when `name` holds the leader key.
    pub fn is_leader(&self, name: &str) -> bool {
        self.leader_name() == Some(name)
    }

    /// The active failover request, if the key holds one.
    pub fn failover_request(&self) -> Option<&Versioned<Failover>> {
        self.failover.as_ref().filter(|f| !f.value.is_empty())
    }

    /// The active sync state, if sync replication is recorded.
    pub fn sync_state(&self) -> Option<&Versioned<SyncState>> {
        self.sync.as_ref().filter(|s| s.value.is_active())
    }
}
