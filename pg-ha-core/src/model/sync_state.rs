//! `sync`: which members are synchronous standbys of which leader.

use super::dcs_value::{compact, json, DcsValue};
use super::lenient::{opt_string, type_name, u32_of};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// The value of the `sync` key: `{"leader":..,"quorum":0,"sync_standby":"a,b"}`.
///
/// `sync_standby` is written as `null` when there are none. Reading accepts `{}`, `null` and an
/// empty text as "not active", a `quorum` written as a string or `null`, and ignores `quorum`
/// without a leader (as Patroni does).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct SyncState {
    /// The leader that wrote it; `None` means sync is not active.
    pub leader: Option<String>,
    /// Quorum size (quorum mode only).
    pub quorum: u32,
    /// Sorted, comma-separated member names, or `null`.
    pub sync_standby: Option<String>,
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
        self.leader.as_deref().is_some_and(|l| !l.is_empty())
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

    /// Parses the JSON form; `null` is the empty (inactive) state.
    pub fn from_value(value: &Value) -> Result<SyncState, String> {
        let obj = match value {
            Value::Null => return Ok(SyncState::default()),
            Value::Object(obj) => obj,
            other => return Err(format!("expected an object, got {}", type_name(other))),
        };
        let leader = opt_string(obj, "leader")?;
        let sync_standby = opt_string(obj, "sync_standby")?;
        let quorum = match obj.get("quorum") {
            None | Some(Value::Null) => 0,
            Some(v) => u32_of(v)
                .ok_or_else(|| format!("`quorum` must be a non-negative integer, got {v}"))?,
        };
        Ok(SyncState {
            quorum: if leader.is_some() { quorum } else { 0 },
            leader,
            sync_standby,
        })
    }
}

impl<'de> Deserialize<'de> for SyncState {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        SyncState::from_value(&value).map_err(serde::de::Error::custom)
    }
}

impl DcsValue for SyncState {
    /// An empty text is the inactive state.
    fn from_text(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Ok(SyncState::default());
        }
        SyncState::from_value(&json(text)?)
    }

    fn to_text(&self) -> String {
        compact(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_null_standby_and_patroni_field_order() {
        assert_eq!(
            SyncState::new("n1", &[], 0).to_text(),
            r#"{"leader":"n1","quorum":0,"sync_standby":null}"#
        );
        assert_eq!(
            SyncState::new("n1", &["n3".into(), "n2".into()], 1).to_text(),
            r#"{"leader":"n1","quorum":1,"sync_standby":"n2,n3"}"#
        );
    }

    #[test]
    fn reads_lenient_forms() {
        let s = SyncState::from_text(r#"{"leader":"a","sync_standby":null}"#).expect("parses");
        assert!(s.is_active());
        assert!(s.members().is_empty());
        let s = SyncState::from_text(r#"{"leader":"a","quorum":"2"}"#).expect("parses");
        assert_eq!(s.quorum, 2);
        let s = SyncState::from_text(r#"{"quorum":3}"#).expect("parses");
        assert_eq!(s, SyncState::default());
        assert!(!SyncState::from_text("{}").expect("parses").is_active());
        assert!(SyncState::from_text(r#"{"leader":1}"#).is_err());
        assert!(SyncState::from_text("[]").is_err());
    }
}
