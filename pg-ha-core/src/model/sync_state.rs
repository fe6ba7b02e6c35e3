//! `sync`: which members are synchronous standbys of which leader.

use serde::{Deserialize, Serialize};

/// The value of the `sync` key: `{"leader":..,"sync_standby":"a,b","quorum":0}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SyncState {
    /// The leader that wrote it; `None` means sync is not active.
    #[serde(default)]
    pub leader: Option<String>,
    /// Sorted, comma-separated member names, or `null`.
    #[serde(default)]
    pub sync_standby: Option<String>,
    /// Quorum size (quorum mode only).
    #[serde(default)]
    pub quorum: u32,
}

impl SyncState {
    /// The synchronous standbys' names.
    pub fn members(&self) -> Vec<String> {
        self.sync_standby
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// True when `name` is listed as a sync standby (case-insensitive).
    pub fn has_standby(&self, name: &str) -> bool {
        self.members().iter().any(|m| m.eq_ignore_ascii_case(name))
    }

    /// True when `name` is the leader or a listed standby (case-insensitive).
    pub fn is_member(&self, name: &str) -> bool {
        self.leader
            .as_deref()
            .is_some_and(|l| l.eq_ignore_ascii_case(name))
            || self.has_standby(name)
    }

    /// True when sync replication is active (a leader is recorded).
    pub fn is_active(&self) -> bool {
        self.leader.is_some()
    }

    /// A state for `leader` with `standbys` (sorted and joined as Patroni does).
    pub fn new(leader: &str, standbys: &[String], quorum: u32) -> SyncState {
        let mut names: Vec<String> = standbys.to_vec();
        names.sort();
        SyncState {
            leader: Some(leader.to_string()),
            sync_standby: (!names.is_empty()).then(|| names.join(",")),
            quorum,
        }
    }
}
