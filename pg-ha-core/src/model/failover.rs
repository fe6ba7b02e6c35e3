//! `failover`: a switchover (with `leader`) or failover request.

use serde::{Deserialize, Serialize};

/// The value of the `failover` key. `{}` means no request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Failover {
    /// Present for a switchover: the leader to move away from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader: Option<String>,
    /// The candidate (REST calls it `candidate`; the key stores `member`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// ISO 8601 time with a timezone, for a scheduled switchover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_at: Option<String>,
}

impl Failover {
    /// True when the value carries no request (`{}` or empty).
    pub fn is_empty(&self) -> bool {
        self.leader.is_none() && self.member.is_none()
    }

    /// `scheduled_at` as Unix milliseconds, if present and parseable.
    pub fn scheduled_at_millis(&self) -> Option<i64> {
        let text = self.scheduled_at.as_deref()?;
        chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.timestamp_millis())
    }
}
