//! `failover`: a switchover (with `leader`) or failover request.

use super::dcs_value::{compact, DcsValue};
use super::lenient::{opt_string, type_name};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// The value of the `failover` key: `{"leader":..,"member":..,"scheduled_at":..}`.
///
/// `{}`, `null` and an empty text mean no request. The legacy plain-text form
/// `leader:candidate` (or just `leader`) is still read. Empty names count as absent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Failover {
    /// Present for a switchover: the leader to move away from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader: Option<String>,
    /// The candidate (REST calls it `candidate`; the key stores `member`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// ISO 8601 time with a timezone, for a scheduled switchover.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_at: Option<String>,
}

impl Failover {
    /// True when the value carries no request (`{}` or empty).
    pub fn is_empty(&self) -> bool {
        self.leader.is_none() && self.member.is_none()
    }

    /// `scheduled_at` as Unix milliseconds, if present and parseable.
    pub fn scheduled_at_millis(&self) -> Option<i64> {
        parse_time(self.scheduled_at.as_deref()?).map(|t| t.timestamp_millis())
    }

    /// Parses the JSON form: an object, or `null` for no request. (The legacy plain-text form
    /// is not JSON; [`DcsValue::from_text`] reads it.)
    pub fn from_value(value: &Value) -> Result<Failover, String> {
        let obj = match value {
            Value::Null => return Ok(Failover::default()),
            Value::Object(obj) => obj,
            other => return Err(format!("expected an object, got {}", type_name(other))),
        };
        let scheduled_at = non_empty(opt_string(obj, "scheduled_at")?);
        if let Some(at) = &scheduled_at {
            if parse_time(at).is_none() {
                return Err(format!(
                    "`scheduled_at` must be an ISO 8601 time with a timezone, got {at:?}"
                ));
            }
        }
        Ok(Failover {
            leader: non_empty(opt_string(obj, "leader")?),
            member: non_empty(opt_string(obj, "member")?),
            scheduled_at,
        })
    }

    /// The legacy plain-text form: `leader:candidate`, or `leader` alone.
    fn from_legacy(text: &str) -> Failover {
        let mut parts = text.split(':').map(str::trim);
        let leader = parts.next().map(str::to_string);
        let member = parts.next().map(str::to_string);
        Failover {
            leader: non_empty(leader),
            member: non_empty(member),
            scheduled_at: None,
        }
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|s| !s.trim().is_empty())
}

/// RFC 3339, also with a space between date and time (Python's `isoformat(' ')`).
fn parse_time(text: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    let text = text.trim();
    chrono::DateTime::parse_from_rfc3339(text)
        .or_else(|_| chrono::DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z"))
        .ok()
}

impl<'de> Deserialize<'de> for Failover {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Failover::from_value(&value).map_err(serde::de::Error::custom)
    }
}

impl DcsValue for Failover {
    /// Empty text is no request; text that is not JSON is the legacy `leader:candidate`.
    fn from_text(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(Failover::default());
        }
        match serde_json::from_str::<Value>(trimmed) {
            Ok(value) => Failover::from_value(&value),
            Err(e) if trimmed.starts_with(['{', '[', '"']) => Err(format!("not valid JSON: {e}")),
            Err(_) => Ok(Failover::from_legacy(trimmed)),
        }
    }

    fn to_text(&self) -> String {
        compact(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_plain_text() {
        let f = Failover::from_text("node1:node2").expect("parses");
        assert_eq!(f.leader.as_deref(), Some("node1"));
        assert_eq!(f.member.as_deref(), Some("node2"));
        let f = Failover::from_text(" :node2 ").expect("parses");
        assert_eq!(f.leader, None);
        assert_eq!(f.member.as_deref(), Some("node2"));
        let f = Failover::from_text("node1").expect("parses");
        assert_eq!(f.leader.as_deref(), Some("node1"));
        assert_eq!(f.member, None);
    }

    #[test]
    fn empty_forms_mean_no_request() {
        for text in ["", "  ", "{}", "null", r#"{"leader":"","member":null}"#] {
            let f = Failover::from_text(text).expect(text);
            assert!(f.is_empty(), "{text}");
            assert_eq!(f.to_text(), "{}");
        }
    }

    #[test]
    fn scheduled_at_is_checked() {
        let f = Failover::from_text(
            r#"{"leader":"a","member":"b","scheduled_at":"2016-01-14T10:09:57.1394Z"}"#,
        )
        .expect("parses");
        assert_eq!(f.scheduled_at_millis(), Some(1_452_766_197_139));
        let f = Failover::from_text(r#"{"leader":"a","scheduled_at":"2026-01-01 10:00:00+01:00"}"#)
            .expect("space separator parses");
        assert!(f.scheduled_at_millis().is_some());
        assert!(Failover::from_text(r#"{"leader":"a","scheduled_at":"tomorrow"}"#).is_err());
    }

    #[test]
    fn malformed_json_is_an_error() {
        assert!(Failover::from_text(r#"{"leader":"#).is_err());
        assert!(Failover::from_text("[1]").is_err());
        assert!(Failover::from_text("5").is_err());
        assert!(Failover::from_text(r#"{"leader":5}"#).is_err());
        assert!(Failover::from_text(r#""a:b""#).is_err());
    }
}
