//! The `history` key matches the promotions that really happened: each entry says "timeline
//! t ended at LSN s", and some server's WAL must have switched from timeline t at s. The
//! entries go up in timeline. The last entry may announce a promotion under way (pg-ha
//! writes it just before promoting, with the numbers it skips after it; a promotion that
//! then fails is not counted, see `Ctx::cluster_timeline`), so only the entries before it
//! must have happened. An entry
//! that marks a skipped number (LSN 0: the promotion went above a timeline another branch
//! took) must name a number that a branch used or an earlier promotion announced.

use super::Violation;
use crate::model::History;
use crate::sim::clock::Micros;
use crate::sim::state::SimState;
use std::collections::BTreeSet;

/// Records every switch (timeline that ended, where) in any node's WAL so far.
fn record_switches(state: &SimState, switches: &mut BTreeSet<(u32, u64)>) {
    for node in &state.nodes {
        let Some(wal) = node.pg.wal() else {
            continue;
        };
        for pair in wal.segments().windows(2) {
            switches.insert((pair[0].timeline, pair[1].start));
        }
    }
}

/// What the world saw happen: every switch of timeline (the timeline that ended, where) in
/// any WAL, and every timeline number taken (by a branch, or announced by a promotion).
#[derive(Debug, Default)]
pub struct Seen {
    /// (timeline that ended, LSN where it ended).
    pub switches: BTreeSet<(u32, u64)>,
    /// Timeline numbers a branch used or a promotion announced.
    pub taken: BTreeSet<u32>,
}

/// Records every switch and timeline in any node's WAL so far.
pub fn record(state: &SimState, seen: &mut Seen) {
    record_switches(state, &mut seen.switches);
    for node in &state.nodes {
        if let Some(wal) = node.pg.wal() {
            seen.taken.extend(wal.segments().iter().map(|s| s.timeline));
        }
    }
}

/// Records the timeline a history value announces (its last entry's next).
pub fn record_announced(history: &History, seen: &mut Seen) {
    if let Some(last) = history.0.last() {
        seen.taken.insert(last.timeline + 1);
    }
}

/// Checks `history` against what happened.
pub fn check(history: &History, seen: &Seen, now: Micros) -> Option<Violation> {
    let switches = &seen.switches;
    let entries = &history.0;
    let fail = |detail: String| {
        Some(Violation::new(
            "the history key matches the promotions",
            now,
            detail,
        ))
    };
    for pair in entries.windows(2) {
        if pair[1].timeline <= pair[0].timeline {
            return fail(format!(
                "timeline {} listed after timeline {}",
                pair[1].timeline, pair[0].timeline
            ));
        }
    }
    // The announcement of a promotion under way: its own entry and the skipped numbers
    // after it.
    let skips = entries
        .iter()
        .rev()
        .take_while(|e| e.switch_lsn == 0)
        .count();
    let settled = entries.len().saturating_sub(skips + 1);
    for entry in &entries[..settled] {
        if entry.switch_lsn == 0 {
            if !seen.taken.contains(&entry.timeline) {
                return fail(format!(
                    "timeline {} marked skipped, but no branch took it and no promotion announced it",
                    entry.timeline
                ));
            }
            continue;
        }
        if !switches.contains(&(entry.timeline, entry.switch_lsn)) {
            return fail(format!(
                "timeline {} ended at {} by the history key, but no server's WAL switched there",
                entry.timeline, entry.switch_lsn
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HistoryEntry;

    fn seen(switches: &[(u32, u64)], taken: &[u32]) -> Seen {
        Seen {
            switches: switches.iter().copied().collect(),
            taken: taken.iter().copied().collect(),
        }
    }

    fn history(entries: &[(u32, u64)]) -> History {
        History(
            entries
                .iter()
                .map(|&(timeline, switch_lsn)| HistoryEntry {
                    timeline,
                    switch_lsn,
                    reason: "no recovery target specified".into(),
                    timestamp: None,
                    new_leader: None,
                })
                .collect(),
        )
    }

    #[test]
    fn a_history_of_real_switches_holds() {
        let switches = seen(&[(1, 100), (2, 250)], &[1, 2, 3]);
        assert!(check(&history(&[(1, 100), (2, 250)]), &switches, 0).is_none());
        // The last entry may announce a promotion under way.
        assert!(check(&history(&[(1, 100), (2, 250), (3, 400)]), &switches, 0).is_none());
    }

    #[test]
    fn an_entry_no_server_switched_at_violates() {
        let switches = seen(&[(1, 100), (2, 250)], &[1, 2, 3]);
        assert!(check(&history(&[(1, 100), (2, 260), (3, 400)]), &switches, 0).is_some());
        assert!(check(&history(&[(1, 90), (2, 250)]), &switches, 0).is_some());
    }

    /// A skipped number (LSN 0) must have been taken by a branch or an announcement.
    #[test]
    fn a_skipped_timeline_must_have_been_taken() {
        let taken = seen(&[(1, 100)], &[1, 2, 3]);
        assert!(check(&history(&[(1, 100), (2, 0), (3, 400)]), &taken, 0).is_none());
        let free = seen(&[(1, 100)], &[1, 3]);
        assert!(check(&history(&[(1, 100), (2, 0), (3, 400)]), &free, 0).is_some());
    }

    #[test]
    fn timelines_must_go_up() {
        let switches = seen(&[(1, 100), (2, 250)], &[1, 2, 3]);
        assert!(check(&history(&[(2, 250), (1, 100)]), &switches, 0).is_some());
        assert!(check(&history(&[(1, 100), (1, 100)]), &switches, 0).is_some());
    }
}
