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

#[cfg(test)]
mod tests {
    use super::check;
    use crate::postgres::ProcessState;
    use crate::sim::clock::GlobalClock;
    use crate::sim::pg_state::DataDir;
    use crate::sim::rng::SimRng;
    use crate::sim::state::SimState;
    use crate::sim::wal::Wal;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    #[test]
    fn a_primary_without_an_acknowledged_commit_violates() {
        let mut state = SimState::new(Arc::new(GlobalClock::new()), SimRng::new(0), &["n1".into()]);
        let mut wal = Wal::initdb(1, 100);
        let kept = wal.append(10);
        let mut diverged = wal.clone();
        let lost = wal.append(10);
        diverged.fork(2, 5, 0);
        state.nodes[0].pg.data = Some(DataDir::with_wal(diverged, false));
        state.nodes[0].pg.process = ProcessState::Running;
        let mut guaranteed = BTreeMap::new();
        guaranteed.insert(kept.branch, kept.lsn);
        assert!(check(&state, &guaranteed).is_none());
        guaranteed.insert(lost.branch, lost.lsn);
        assert!(check(&state, &guaranteed).is_some());
    }
}
