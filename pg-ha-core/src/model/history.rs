//! `history`: the cluster's timeline history.
//!
//! Patroni stores it as a JSON array of arrays,
//! `[[parent_tl, switch_lsn, reason, timestamp, new_leader], ...]`; entries written by old
//! versions have only the first 3 or 4 items.

use super::dcs_value::{compact, json, DcsValue};
use super::lenient::{type_name, u32_of, u64_of};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// One entry: `[parent_tl, switch_lsn, reason, timestamp?, new_leader?]`.
///
/// It serializes as a JSON array, leaving out trailing `None` items (a `None` timestamp
/// followed by a leader is written as `null`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The timeline that ended.
    pub timeline: u32,
    /// The LSN where it ended.
    pub switch_lsn: u64,
    /// The reason text from the `.history` file.
    pub reason: String,
    /// When it happened (ISO 8601), if known.
    pub timestamp: Option<String>,
    /// The leader that started the next timeline, if known.
    pub new_leader: Option<String>,
}

impl HistoryEntry {
    /// Parses one entry from its JSON array form (3 to 5 items; further items are ignored).
    pub fn from_value(value: &Value) -> Result<HistoryEntry, String> {
        let items = value
            .as_array()
            .ok_or_else(|| format!("entry must be an array, got {}", type_name(value)))?;
        let [tl, lsn, reason, rest @ ..] = items.as_slice() else {
            return Err(format!(
                "entry must have at least 3 items, got {}",
                items.len()
            ));
        };
        let timeline =
            u32_of(tl).ok_or_else(|| format!("timeline must be an integer, got {tl}"))?;
        let switch_lsn =
            u64_of(lsn).ok_or_else(|| format!("switch LSN must be an integer, got {lsn}"))?;
        let reason = match reason {
            Value::String(s) => s.clone(),
            other => return Err(format!("reason must be a string, got {}", type_name(other))),
        };
        let optional = |index: usize, what: &str| match rest.get(index) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(format!("{what} must be a string, got {}", type_name(other))),
        };
        Ok(HistoryEntry {
            timeline,
            switch_lsn,
            reason,
            timestamp: optional(0, "timestamp")?,
            new_leader: optional(1, "new leader")?,
        })
    }

    /// How many items the array form has (3, 4 or 5).
    fn len(&self) -> usize {
        if self.new_leader.is_some() {
            5
        } else if self.timestamp.is_some() {
            4
        } else {
            3
        }
    }
}

impl Serialize for HistoryEntry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = self.len();
        let mut seq = serializer.serialize_seq(Some(len))?;
        seq.serialize_element(&self.timeline)?;
        seq.serialize_element(&self.switch_lsn)?;
        seq.serialize_element(&self.reason)?;
        if len >= 4 {
            seq.serialize_element(&self.timestamp)?;
        }
        if len == 5 {
            seq.serialize_element(&self.new_leader)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for HistoryEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        HistoryEntry::from_value(&value).map_err(serde::de::Error::custom)
    }
}

/// The `history` key: entries in timeline order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct History(pub Vec<HistoryEntry>);

impl History {
    /// The cluster's current timeline: 1 for an empty history, else the last entry's + 1.
    pub fn timeline(&self) -> u32 {
        self.0.last().map_or(1, |e| e.timeline.saturating_add(1))
    }

    /// Where `timeline` ended, if it did.
    pub fn switch_point(&self, timeline: u32) -> Option<u64> {
        self.0
            .iter()
            .find(|e| e.timeline == timeline)
            .map(|e| e.switch_lsn)
    }

    /// Parses the JSON form: an array of entries; `null` is an empty history.
    pub fn from_value(value: &Value) -> Result<History, String> {
        match value {
            Value::Null => Ok(History::default()),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    HistoryEntry::from_value(item).map_err(|e| format!("entry {i}: {e}"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(History),
            other => Err(format!("expected an array, got {}", type_name(other))),
        }
    }
}

impl<'de> Deserialize<'de> for History {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        History::from_value(&value).map_err(serde::de::Error::custom)
    }
}

impl DcsValue for History {
    /// An empty text is an empty history.
    fn from_text(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Ok(History::default());
        }
        History::from_value(&json(text)?)
    }

    fn to_text(&self) -> String {
        compact(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(ts: Option<&str>, leader: Option<&str>) -> HistoryEntry {
        HistoryEntry {
            timeline: 1,
            switch_lsn: 100,
            reason: "r".into(),
            timestamp: ts.map(str::to_string),
            new_leader: leader.map(str::to_string),
        }
    }

    #[test]
    fn trailing_none_items_are_left_out() {
        assert_eq!(compact(&entry(None, None)), r#"[1,100,"r"]"#);
        assert_eq!(compact(&entry(Some("t"), None)), r#"[1,100,"r","t"]"#);
        assert_eq!(
            compact(&entry(Some("t"), Some("n"))),
            r#"[1,100,"r","t","n"]"#
        );
        assert_eq!(compact(&entry(None, Some("n"))), r#"[1,100,"r",null,"n"]"#);
    }

    #[test]
    fn timeline_of_history() {
        assert_eq!(History::default().timeline(), 1);
        let h = History::from_text(r#"[[1,10,"a"],[2,20,"b"]]"#).expect("parses");
        assert_eq!(h.timeline(), 3);
        assert_eq!(h.switch_point(2), Some(20));
        assert_eq!(h.switch_point(3), None);
    }

    #[test]
    fn bad_entries_are_errors() {
        assert!(History::from_text(r#"[[1,10]]"#).is_err());
        assert!(History::from_text(r#"[["x",10,"r"]]"#).is_err());
        assert!(History::from_text(r#"[[1,10,5]]"#).is_err());
        assert!(History::from_text(r#"{"a":1}"#).is_err());
        assert!(History::from_text(r#"[[1,10,"r",7]]"#).is_err());
    }
}
