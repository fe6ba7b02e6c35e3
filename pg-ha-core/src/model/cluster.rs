//! `Cluster`: one consistent, parsed view of every key under the cluster prefix.

use super::key::{LEADER_PATH, MEMBERS_PREFIX};
use super::{
    Failover, Failsafe, History, Leader, Member, MemberData, ParseError, Snapshot, Status,
    SyncState, Version,
};
use crate::config::DynamicConfig;
use serde::de::DeserializeOwned;

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
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cluster {
    /// `initialize`: `Some("")` while bootstrapping, `Some(sysid)` after.
    pub initialize: Option<String>,
    /// `config`.
    pub config: Option<ConfigEntry>,
    /// `leader`.
    pub leader: Option<Leader>,
    /// Direct children of `members/`, sorted by name.
    pub members: Vec<Member>,
    /// `failover`; `{}` parses as an empty request.
    pub failover: Option<Versioned<Failover>>,
    /// `sync`.
    pub sync: Option<Versioned<SyncState>>,
    /// `history` (empty when missing).
    pub history: History,
    /// `status` (default when missing).
    pub status: Status,
    /// `failsafe`.
    pub failsafe: Option<Failsafe>,
    /// The snapshot's store revision.
    pub revision: u64,
}

impl Cluster {
    /// Parses a raw snapshot. A malformed value is reported in the returned errors and the key
    /// is treated as missing; the rest of the snapshot still loads.
    pub fn from_snapshot(snapshot: &Snapshot) -> (Cluster, Vec<ParseError>) {
        let mut errors = Vec::new();
        let mut cluster = Cluster {
            revision: snapshot.revision,
            ..Cluster::default()
        };
        for entry in &snapshot.entries {
            let key = entry.key.as_str();
            if let Some(name) = key.strip_prefix(MEMBERS_PREFIX) {
                if name.is_empty() || name.contains('/') {
                    continue;
                }
                match parse_json::<MemberData>(key, &entry.value) {
                    Ok(data) => cluster.members.push(Member {
                        name: name.to_string(),
                        version: entry.version,
                        session: entry.session.clone(),
                        data,
                    }),
                    Err(e) => errors.push(e),
                }
                continue;
            }
            let result = match key {
                LEADER_PATH => {
                    let name = entry.value.trim();
                    if !name.is_empty() {
                        cluster.leader = Some(Leader {
                            name: name.to_string(),
                            version: entry.version,
                            session: entry.session.clone(),
                        });
                    }
                    Ok(())
                }
                "initialize" => {
                    cluster.initialize = Some(entry.value.trim().to_string());
                    Ok(())
                }
                "config" => parse_config(entry.version, &entry.value).map(|c| cluster.config = c),
                "failover" => {
                    parse_versioned(key, entry.version, &entry.value).map(|f| cluster.failover = f)
                }
                "sync" => {
                    parse_versioned(key, entry.version, &entry.value).map(|s| cluster.sync = s)
                }
                "history" => parse_json(key, &entry.value).map(|h| cluster.history = h),
                "status" => parse_json(key, &entry.value).map(|s| cluster.status = s),
                "failsafe" => parse_json(key, &entry.value).map(|f| cluster.failsafe = Some(f)),
                _ => Ok(()),
            };
            if let Err(e) = result {
                errors.push(e);
            }
        }
        cluster.members.sort_by(|a, b| a.name.cmp(&b.name));
        (cluster, errors)
    }

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

fn parse_json<T: DeserializeOwned>(key: &str, value: &str) -> Result<T, ParseError> {
    serde_json::from_str(value).map_err(|e| ParseError::new(key, e.to_string()))
}

fn parse_versioned<T: DeserializeOwned>(
    key: &str,
    version: Version,
    value: &str,
) -> Result<Option<Versioned<T>>, ParseError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    parse_json(key, value).map(|value| Some(Versioned { value, version }))
}

fn parse_config(version: Version, value: &str) -> Result<Option<ConfigEntry>, ParseError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    let raw: serde_json::Value = parse_json("config", value)?;
    let parsed =
        DynamicConfig::from_json(&raw).map_err(|e| ParseError::new("config", e.to_string()))?;
    Ok(Some(ConfigEntry {
        raw,
        parsed,
        version,
    }))
}
