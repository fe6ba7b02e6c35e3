//! In synchronous mode no acknowledged commit is lost: every guaranteed commit must be in the
//! WAL history of every node that accepts writes.

use super::Violation;
use crate::sim::state::SimState;
use crate::sim::wal::Commit;
use std::collections::BTreeMap;

/// Checks that every node accepting writes now holds every guaranteed commit
/// (`guaranteed`: the highest guaranteed LSN per branch).
pub fn check(state: &SimState, guaranteed: &BTreeMap<u64, u64>) -> Option<Violation> {
    let now = state.now();
    for (i, node) in state.nodes.iter().enumerate() {
        if !state.accepts_writes_at(i, now) {
            continue;
        }
        let Some(wal) = node.pg.wal() else { continue };
        for (&branch, &lsn) in guaranteed {
            let commit = Commit { branch, lsn };
            if !wal.contains(commit) {
                return Some(Violation::new(
                    "no acknowledged commit lost",
                    now,
                    format!(
                        "primary {} (timeline {}, end {}) lacks the acknowledged commit {} on branch {}; its segments: {:?}",
                        node.name,
                        wal.timeline(),
                        wal.end(),
                        lsn,
                        branch,
                        wal.segments()
                    ),
                ));
            }
        }
    }
    None
}
