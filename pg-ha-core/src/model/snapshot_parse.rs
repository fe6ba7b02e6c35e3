//! `Cluster::from_snapshot`: raw key texts to the typed cluster view, legacy forms included.

use super::key::{LEADER_PATH, LEGACY_OPTIME_PATH, MEMBERS_PREFIX};
use super::{
    Cluster, ConfigEntry, DcsValue, Entry, Failover, Failsafe, History, Leader, Member, MemberData,
    ParseError, Snapshot, Status, SyncState, Version, Versioned,
};
use crate::config::DynamicConfig;

impl Cluster {
    /// Parses a raw snapshot. Never fails as a whole and never panics: each malformed value is
    /// reported in the returned errors (naming its key) and the rest of the snapshot loads.
    ///
    /// A malformed key is treated as Patroni treats it:
    /// - a member key: the member is left out;
    /// - `config`, `failsafe`: missing;
    /// - `failover`, `sync`: empty (no request / not active), keeping the key's version so
    ///   conditional writes still work;
    /// - `history`, `status`: empty.
    ///
    /// Legacy forms are accepted: role `master`, a member value that is a connection URL,
    /// `failover` as `leader:candidate` text, a bare-integer `status`, 3- and 4-item history
    /// entries, and the `optime/leader` key.
    pub fn from_snapshot(snapshot: &Snapshot) -> (Cluster, Vec<ParseError>) {
        Cluster::from_snapshot_after(snapshot, None)
    }

    /// [`Cluster::from_snapshot`], reusing what `previous` (an earlier snapshot and the
    /// cluster parsed from it) already parsed: a member or `config` value whose text has not
    /// changed is not parsed again. Most of an idle cluster's values stay the same from one
    /// cycle to the next.
    pub fn from_snapshot_after(
        snapshot: &Snapshot,
        previous: Option<(&Snapshot, &Cluster)>,
    ) -> (Cluster, Vec<ParseError>) {
        let mut parser = SnapshotParser {
            cluster: Cluster {
                revision: snapshot.revision,
                ..Cluster::default()
            },
            errors: Vec::new(),
            legacy_optime: None,
            previous: previous.map(|(snapshot, cluster)| Previous {
                texts: snapshot
                    .entries
                    .iter()
                    .map(|e| (e.key.as_str(), e.value.as_str()))
                    .collect(),
                cluster,
            }),
        };
        for entry in &snapshot.entries {
            parser.entry(entry);
        }
        parser.finish()
    }
}

struct SnapshotParser<'a> {
    cluster: Cluster,
    errors: Vec<ParseError>,
    legacy_optime: Option<u64>,
    previous: Option<Previous<'a>>,
}

/// An earlier snapshot's texts by key, and the cluster parsed from it.
struct Previous<'a> {
    texts: std::collections::HashMap<&'a str, &'a str>,
    cluster: &'a Cluster,
}

impl Previous<'_> {
    /// Whether `entry` held the same text in the earlier snapshot.
    fn unchanged(&self, entry: &Entry) -> bool {
        self.texts.get(entry.key.as_str()) == Some(&entry.value.as_str())
    }
}

impl SnapshotParser<'_> {
    fn entry(&mut self, entry: &Entry) {
        let key = entry.key.as_str();
        if let Some(name) = key.strip_prefix(MEMBERS_PREFIX) {
            if !name.is_empty() && !name.contains('/') {
                self.member(name, entry);
            }
            return;
        }
        let text = entry.value.as_str();
        match key {
            LEADER_PATH => {
                let name = text.trim();
                if !name.is_empty() {
                    self.cluster.leader = Some(Leader {
                        name: name.to_string(),
                        version: entry.version,
                        session: entry.session.clone(),
                    });
                }
            }
            "initialize" => self.cluster.initialize = Some(text.trim().to_string()),
            "config" => self.cluster.config = self.config_reusing(entry),
            "failover" => {
                let value = self.or_default::<Failover>(key, text);
                self.cluster.failover = Some(versioned(value, entry.version));
            }
            "sync" => {
                let value = self.or_default::<SyncState>(key, text);
                self.cluster.sync = Some(versioned(value, entry.version));
            }
            "history" => {
                self.cluster.history = self.or_default::<History>(key, text);
                self.cluster.history_version = Some(entry.version);
            }
            "status" => self.cluster.status = self.or_default::<Status>(key, text),
            "failsafe" => self.cluster.failsafe = self.failsafe(text),
            LEGACY_OPTIME_PATH => match text.trim().parse::<u64>() {
                Ok(lsn) => self.legacy_optime = Some(lsn),
                Err(e) => self
                    .errors
                    .push(ParseError::new(key, format!("expected a decimal LSN: {e}"))),
            },
            _ => {}
        }
    }

    fn member(&mut self, name: &str, entry: &Entry) {
        let reused = self
            .previous
            .as_ref()
            .filter(|p| p.unchanged(entry))
            .and_then(|p| p.cluster.member(name))
            .map(|m| m.data.clone());
        if let Some(data) = reused {
            self.cluster.members.push(Member {
                name: name.to_string(),
                version: entry.version,
                session: entry.session.clone(),
                data,
            });
            return;
        }
        match MemberData::parse_key(&entry.key, &entry.value) {
            Ok(data) => self.cluster.members.push(Member {
                name: name.to_string(),
                version: entry.version,
                session: entry.session.clone(),
                data,
            }),
            Err(e) => self.errors.push(e),
        }
    }

    /// Parses `text`; a malformed value is reported and read as the type's empty value.
    fn or_default<T: DcsValue + Default>(&mut self, key: &str, text: &str) -> T {
        T::parse_key(key, text).unwrap_or_else(|e| {
            self.errors.push(e);
            T::default()
        })
    }

    fn failsafe(&mut self, text: &str) -> Option<Failsafe> {
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed == "null" {
            return None;
        }
        match Failsafe::parse_key("failsafe", trimmed) {
            Ok(map) => Some(map),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    fn config_reusing(&mut self, entry: &Entry) -> Option<ConfigEntry> {
        let reused = self
            .previous
            .as_ref()
            .filter(|p| p.unchanged(entry))
            .and_then(|p| p.cluster.config.clone());
        match reused {
            Some(config) => Some(ConfigEntry {
                version: entry.version,
                ..config
            }),
            None => self.config(entry.version, &entry.value),
        }
    }

    fn config(&mut self, version: Version, text: &str) -> Option<ConfigEntry> {
        if text.trim().is_empty() {
            return None;
        }
        match parse_config(version, text) {
            Ok(entry) => Some(entry),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    fn finish(mut self) -> (Cluster, Vec<ParseError>) {
        if self.cluster.status.optime.is_none() {
            self.cluster.status.optime = self.legacy_optime;
        }
        self.cluster.members.sort_by(|a, b| a.name.cmp(&b.name));
        (self.cluster, self.errors)
    }
}

fn versioned<T>(value: T, version: Version) -> Versioned<T> {
    Versioned { value, version }
}

fn parse_config(version: Version, text: &str) -> Result<ConfigEntry, ParseError> {
    let raw: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| ParseError::new("config", format!("not valid JSON: {e}")))?;
    let parsed =
        DynamicConfig::from_json(&raw).map_err(|e| ParseError::new("config", e.to_string()))?;
    Ok(ConfigEntry {
        raw,
        parsed,
        version,
    })
}
