//! `status`: the leader's last known WAL position and slot positions.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The value of the `status` key. A bare integer (legacy) means `optime`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Status {
    /// The leader's last WAL LSN: the lag reference for failover.
    #[serde(default)]
    pub optime: Option<u64>,
    /// Positions of permanent (and member) slots.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub slots: BTreeMap<String, u64>,
    /// Member slot names to keep while a member is absent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retain_slots: Vec<String>,
}
