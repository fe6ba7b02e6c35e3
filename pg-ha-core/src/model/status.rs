//! `status`: the leader's last known WAL position and slot positions.

use super::dcs_value::{compact, json, DcsValue};
use super::lenient::{type_name, u64_of};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The value of the `status` key: `{"optime":..,"slots":{..},"retain_slots":[..]}`, plus
/// `"timeline"` when pg-ha writes it (Patroni ignores keys it does not know).
///
/// Reading accepts what Patroni accepts: a bare integer (legacy) is `optime`; numbers may be
/// written as strings; `slots` and `retain_slots` may be `null` or JSON-encoded strings.
/// Writing leaves out a missing `optime` and empty `slots` / `retain_slots`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Status {
    /// The leader's last WAL LSN: the lag reference for failover.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optime: Option<u64>,
    /// Positions of permanent (and member) slots.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub slots: BTreeMap<String, u64>,
    /// Member slot names to keep while a member is absent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retain_slots: Vec<String>,
    /// The timeline `optime` is on (pg-ha only; absent when Patroni wrote the key). Once the
    /// history says that timeline ended, WAL published past its end is on an abandoned branch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<u32>,
}

impl Status {
    /// Parses the JSON form (object, bare integer, or `null` for empty).
    pub fn from_value(value: &Value) -> Result<Status, String> {
        let obj = match value {
            Value::Null => return Ok(Status::default()),
            Value::Number(_) => {
                let optime = u64_of(value)
                    .ok_or_else(|| format!("legacy optime must be an LSN, got {value}"))?;
                return Ok(Status {
                    optime: Some(optime),
                    ..Status::default()
                });
            }
            Value::Object(obj) => obj,
            other => {
                return Err(format!(
                    "expected an object or an integer, got {}",
                    type_name(other)
                ))
            }
        };
        let optime = match obj.get("optime") {
            None | Some(Value::Null) => None,
            Some(v) => Some(u64_of(v).ok_or_else(|| format!("`optime` must be an LSN, got {v}"))?),
        };
        Ok(Status {
            optime,
            slots: slots(obj.get("slots"))?,
            retain_slots: retain_slots(obj.get("retain_slots"))?,
            timeline: timeline(obj.get("timeline"))?,
        })
    }

    /// The optime as far as it is still reachable: capped at the point where its timeline
    /// ended, when `history` says where (WAL past that point is on an abandoned branch). An
    /// entry of a skipped number (switch point 0) says the timeline was abandoned but not
    /// where it left its parent: no cap.
    pub fn reachable_optime(&self, history: &super::History) -> Option<u64> {
        let optime = self.optime?;
        let end = self
            .timeline
            .and_then(|tl| history.switch_point(tl))
            .filter(|end| *end > 0);
        Some(end.map_or(optime, |end| optime.min(end)))
    }
}

/// `timeline`: a positive timeline number, or absent.
fn timeline(value: Option<&Value>) -> Result<Option<u32>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => u64_of(v)
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| format!("`timeline` must be a positive timeline number, got {v}")),
    }
}

/// `slots`: `{name: lsn}`, possibly JSON-encoded in a string.
fn slots(value: Option<&Value>) -> Result<BTreeMap<String, u64>, String> {
    let decoded;
    let value = match value {
        None | Some(Value::Null) => return Ok(BTreeMap::new()),
        Some(Value::String(s)) => {
            decoded = json(s).map_err(|e| format!("`slots`: {e}"))?;
            &decoded
        }
        Some(v) => v,
    };
    let obj = value
        .as_object()
        .ok_or_else(|| format!("`slots` must be an object, got {}", type_name(value)))?;
    obj.iter()
        .map(|(name, lsn)| {
            u64_of(lsn)
                .map(|lsn| (name.clone(), lsn))
                .ok_or_else(|| format!("`slots.{name}` must be an LSN, got {lsn}"))
        })
        .collect()
}

/// `retain_slots`: `[name, ...]`, possibly JSON-encoded in a string.
fn retain_slots(value: Option<&Value>) -> Result<Vec<String>, String> {
    let decoded;
    let value = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(s)) => {
            decoded = json(s).map_err(|e| format!("`retain_slots`: {e}"))?;
            &decoded
        }
        Some(v) => v,
    };
    let items = value
        .as_array()
        .ok_or_else(|| format!("`retain_slots` must be an array, got {}", type_name(value)))?;
    items
        .iter()
        .map(|item| {
            item.as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("`retain_slots` items must be strings, got {item}"))
        })
        .collect()
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Status::from_value(&value).map_err(serde::de::Error::custom)
    }
}

impl DcsValue for Status {
    /// An empty text is an empty status.
    fn from_text(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Ok(Status::default());
        }
        Status::from_value(&json(text)?)
    }

    fn to_text(&self) -> String {
        compact(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_patroni_order_and_skips_empty() {
        let s = Status::from_text(r#"{"optime":5,"slots":{"b":2,"a":1},"retain_slots":["a"]}"#)
            .expect("parses");
        assert_eq!(
            s.to_text(),
            r#"{"optime":5,"slots":{"a":1,"b":2},"retain_slots":["a"]}"#
        );
        assert_eq!(Status::default().to_text(), "{}");
    }

    #[test]
    fn lenient_forms() {
        let s = Status::from_text(r#"{"optime":"7","slots":null,"retain_slots":"[\"x\"]"}"#)
            .expect("parses");
        assert_eq!(s.optime, Some(7));
        assert!(s.slots.is_empty());
        assert_eq!(s.retain_slots, vec!["x".to_string()]);
        let s = Status::from_text(r#"{"slots":"{\"p\":9}"}"#).expect("parses");
        assert_eq!(s.slots.get("p"), Some(&9));
        assert_eq!(s.optime, None);
    }

    #[test]
    fn wrong_types_are_errors() {
        assert!(Status::from_text(r#"{"optime":"abc"}"#).is_err());
        assert!(Status::from_text(r#"{"slots":[1]}"#).is_err());
        assert!(Status::from_text(r#"{"retain_slots":[1]}"#).is_err());
        assert!(Status::from_text(r#""text""#).is_err());
        assert!(Status::from_text("-5").is_err());
        assert!(Status::from_text(r#"{"optime":5,"timeline":0}"#).is_err());
        assert!(Status::from_text(r#"{"optime":5,"timeline":"x"}"#).is_err());
    }

    #[test]
    fn the_timeline_round_trips_after_patronis_keys() {
        let s = Status::from_text(r#"{"optime":9,"timeline":"3"}"#).expect("parses");
        assert_eq!(s.timeline, Some(3));
        assert_eq!(s.to_text(), r#"{"optime":9,"timeline":3}"#);
    }

    #[test]
    fn an_optime_past_the_end_of_its_timeline_is_capped() {
        let history =
            crate::model::History::from_text(r#"[[1,100,"no recovery target specified"]]"#)
                .expect("parses");
        let on = |timeline| Status {
            optime: Some(150),
            timeline,
            ..Status::default()
        };
        assert_eq!(on(Some(1)).reachable_optime(&history), Some(100));
        assert_eq!(on(Some(2)).reachable_optime(&history), Some(150));
        assert_eq!(on(None).reachable_optime(&history), Some(150));
        let skipped =
            crate::model::History::from_text(r#"[[1,100,"r"],[2,0,"skipped"]]"#).expect("parses");
        assert_eq!(on(Some(2)).reachable_optime(&skipped), Some(150));
    }
}
