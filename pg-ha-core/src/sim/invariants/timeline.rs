//! A node's timeline never goes back (pg_rewind and reinit may only move it forward).

use super::Violation;
use crate::sim::state::SimState;

/// Checks every node's timeline against the highest seen before (`highest`, one per node),
/// and records the new highs.
pub fn check(state: &SimState, highest: &mut [u32]) -> Option<Violation> {
    for (i, node) in state.nodes.iter().enumerate() {
        let Some(timeline) = node.pg.wal().map(|w| w.timeline()) else {
            continue;
        };
        let seen = highest.get_mut(i)?;
        if timeline < *seen {
            return Some(Violation::new(
                "timeline never goes back",
                state.now(),
                format!(
                    "{} moved from timeline {} back to {}",
                    node.name, *seen, timeline
                ),
            ));
        }
        *seen = timeline;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::check;
    use crate::sim::clock::GlobalClock;
    use crate::sim::pg_state::DataDir;
    use crate::sim::rng::SimRng;
    use crate::sim::state::SimState;
    use crate::sim::wal::Wal;
    use std::sync::Arc;

    #[test]
    fn a_timeline_moving_back_violates() {
        let mut state = SimState::new(Arc::new(GlobalClock::new()), SimRng::new(0), &["n1".into()]);
        let mut wal = Wal::initdb(1, 100);
        wal.fork(2, 5, 0);
        state.nodes[0].pg.data = Some(DataDir::with_wal(wal, false));
        let mut highest = vec![0];
        assert!(check(&state, &mut highest).is_none());
        assert_eq!(highest, vec![2]);
        if let Some(d) = state.nodes[0].pg.data.as_mut() {
            d.wal = Wal::initdb(1, 100);
        }
        assert!(check(&state, &mut highest).is_some());
    }
}
