//! `history`: the cluster's timeline history.

use serde::{Deserialize, Serialize};

/// One entry: `[parent_tl, switch_lsn, reason, timestamp?, new_leader?]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// The `history` key: entries in timeline order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct History(pub Vec<HistoryEntry>);

impl History {
    /// The cluster's current timeline: 1 for an empty history, else the last entry's + 1.
    pub fn timeline(&self) -> u32 {
        self.0.last().map_or(1, |e| e.timeline + 1)
    }

    /// Where `timeline` ended, if it did.
    pub fn switch_point(&self, timeline: u32) -> Option<u64> {
        self.0
            .iter()
            .find(|e| e.timeline == timeline)
            .map(|e| e.switch_lsn)
    }
}
