//! Stale reads: [`crate::Dcs::read_recent`] as the real backends serve it, from a cache that
//! their watch keeps up to date. The watch delivers each change a moment after the store
//! made it, so a node may read the cluster as it was `delay` ago; its own writes it sees at
//! once, and its view never goes back.
//!
//! The world records every revision of the store with the time it appeared
//! ([`DcsHistory::record`]); each node's client picks from it ([`DcsHistory::as_of`]).

use super::clock::Micros;
use crate::model::Snapshot;
use std::collections::VecDeque;

/// The store's recent revisions, each with the global time it appeared.
#[derive(Debug, Default)]
pub struct DcsHistory {
    /// How late the watch delivers a change (0: reads are fresh, nothing is kept).
    pub delay: Micros,
    entries: VecDeque<(Micros, Snapshot)>,
}

impl DcsHistory {
    /// A history for watches that deliver `delay` late.
    pub fn new(delay: Micros) -> DcsHistory {
        DcsHistory {
            delay,
            entries: VecDeque::new(),
        }
    }

    /// The revision of the last recorded snapshot (0 before any).
    pub fn last_revision(&self) -> u64 {
        self.entries.back().map_or(0, |(_, s)| s.revision)
    }

    /// Records `snapshot`, which appeared at `now`, and forgets what no view can need.
    pub fn record(&mut self, now: Micros, snapshot: Snapshot) {
        self.entries.push_back((now, snapshot));
        let horizon = now.saturating_sub(self.delay);
        while self.entries.len() > 1 && self.entries[1].0 <= horizon {
            self.entries.pop_front();
        }
    }

    /// The cluster as a watch `delay` late shows it at `now`: the last snapshot that had
    /// appeared by `now - delay`.
    pub fn as_of(&self, now: Micros) -> Option<&Snapshot> {
        let at = now.checked_sub(self.delay)?;
        self.entries
            .iter()
            .rev()
            .find(|(t, _)| *t <= at)
            .map(|(_, s)| s)
    }
}

/// What one node's cached read shows: the watch's view, unless the node wrote since (then
/// the fresh read) or saw a later revision before (a view never goes back).
pub fn choose(
    watched: Option<&Snapshot>,
    fresh: Snapshot,
    own_write: u64,
    last_seen: Option<&Snapshot>,
) -> Snapshot {
    let view = match watched {
        Some(w) if w.revision >= own_write => w,
        _ => return fresh,
    };
    match last_seen {
        Some(seen) if seen.revision > view.revision => seen.clone(),
        _ => view.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(revision: u64) -> Snapshot {
        Snapshot {
            revision,
            entries: Vec::new(),
        }
    }

    #[test]
    fn a_watch_late_by_delay_shows_the_revision_of_delay_ago() {
        let mut h = DcsHistory::new(100);
        h.record(1_000, snap(1));
        h.record(1_050, snap(2));
        assert_eq!(h.as_of(1_099), None, "nothing had appeared 100 before");
        assert_eq!(h.as_of(1_120).map(|s| s.revision), Some(1));
        assert_eq!(h.as_of(1_160).map(|s| s.revision), Some(2));
        h.record(1_200, snap(3));
        assert_eq!(h.as_of(1_250).map(|s| s.revision), Some(2));
        assert_eq!(h.as_of(1_300).map(|s| s.revision), Some(3));
        // Revision 2 is no longer anyone's view once 3 is delay old.
        h.record(1_400, snap(4));
        assert_eq!(h.last_revision(), 4);
        assert_eq!(h.as_of(1_410).map(|s| s.revision), Some(3));
        assert_eq!(h.as_of(1_500).map(|s| s.revision), Some(4));
    }

    #[test]
    fn own_writes_show_at_once_and_a_view_never_goes_back() {
        let fresh = snap(9);
        assert_eq!(choose(Some(&snap(5)), fresh.clone(), 4, None).revision, 5);
        assert_eq!(
            choose(Some(&snap(5)), fresh.clone(), 7, None).revision,
            9,
            "this node wrote revision 7"
        );
        assert_eq!(choose(None, fresh.clone(), 0, None).revision, 9);
        assert_eq!(
            choose(Some(&snap(5)), fresh, 0, Some(&snap(8))).revision,
            8,
            "it saw 8 before"
        );
    }
}
