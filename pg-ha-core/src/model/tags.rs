//! Member tags (`nofailover`, `failover_priority`, `nosync`, `clonefrom`, ... and custom keys).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A member's tags as published in its member key. Unknown keys are kept as they are.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Tags(pub BTreeMap<String, Value>);

impl Tags {
    fn flag(&self, key: &str) -> bool {
        match self.0.get(key) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => {
                matches!(s.to_ascii_lowercase().as_str(), "true" | "on" | "yes" | "1")
            }
            Some(Value::Number(n)) => n.as_i64().unwrap_or(0) != 0,
            _ => false,
        }
    }

    fn int(&self, key: &str) -> Option<i64> {
        match self.0.get(key)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            Value::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    /// `failover_priority`, default 1; `nofailover` forces 0 (nofailover wins).
    pub fn failover_priority(&self) -> i64 {
        if self.flag("nofailover") {
            0
        } else {
            self.int("failover_priority").unwrap_or(1)
        }
    }

    /// True when the member may not become leader automatically (`nofailover`, or priority <= 0).
    pub fn nofailover(&self) -> bool {
        self.failover_priority() <= 0
    }

    /// `sync_priority`, default 1; `nosync` forces 0.
    pub fn sync_priority(&self) -> i64 {
        if self.flag("nosync") {
            0
        } else {
            self.int("sync_priority").unwrap_or(1)
        }
    }

    /// True when the member may not be a synchronous standby.
    pub fn nosync(&self) -> bool {
        self.sync_priority() <= 0
    }

    /// `clonefrom`: other members may clone from this one.
    pub fn clonefrom(&self) -> bool {
        self.flag("clonefrom")
    }

    /// `noloadbalance`.
    pub fn noloadbalance(&self) -> bool {
        self.flag("noloadbalance")
    }

    /// `nostream`: archive-only replica.
    pub fn nostream(&self) -> bool {
        self.flag("nostream")
    }

    /// `replicatefrom`: the member this one cascades from.
    pub fn replicatefrom(&self) -> Option<&str> {
        self.0.get("replicatefrom").and_then(Value::as_str)
    }
}
