//! Never two nodes accepting writes at the same instant of global time.

use super::Violation;
use crate::sim::clock::Micros;
use crate::sim::state::SimState;

/// Checks that at most one node accepts writes at global time `at` (each node judged by its
/// own write fence on its own clock).
pub fn check(state: &SimState, at: Micros) -> Option<Violation> {
    let writers: Vec<&str> = (0..state.nodes.len())
        .filter(|i| state.accepts_writes_at(*i, at))
        .map(|i| state.nodes[i].name.as_str())
        .collect();
    (writers.len() > 1).then(|| {
        Violation::new(
            "single writer",
            at,
            format!("{} accept writes at the same time", writers.join(" and ")),
        )
    })
}
