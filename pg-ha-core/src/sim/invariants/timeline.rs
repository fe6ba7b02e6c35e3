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
