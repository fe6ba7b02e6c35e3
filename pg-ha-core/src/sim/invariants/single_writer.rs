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

#[cfg(test)]
mod tests {
    use super::check;
    use crate::postgres::ProcessState;
    use crate::sim::clock::GlobalClock;
    use crate::sim::pg_state::DataDir;
    use crate::sim::rng::SimRng;
    use crate::sim::state::SimState;
    use crate::sim::wal::Wal;
    use crate::time::Mono;
    use std::sync::Arc;

    fn primaries(fences: &[Option<u64>]) -> SimState {
        let names: Vec<String> = (0..fences.len()).map(|i| format!("n{i}")).collect();
        let mut state = SimState::new(Arc::new(GlobalClock::new()), SimRng::new(0), &names);
        for (node, fence) in state.nodes.iter_mut().zip(fences) {
            node.pg.data = Some(DataDir::with_wal(Wal::initdb(1, 10), false));
            node.pg.process = ProcessState::Running;
            node.pg.fence = fence.map(Mono::from_millis);
        }
        state
    }

    #[test]
    fn two_unfenced_primaries_violate() {
        let state = primaries(&[None, None]);
        assert!(check(&state, 0).is_some());
    }

    #[test]
    fn a_primary_past_its_fence_does_not_count() {
        let state = primaries(&[Some(1_000), None]);
        let fence = Mono::from_millis(1_000);
        let kill = crate::sim::fence_guard::kill_at(fence).0.as_micros() as u64;
        assert!(check(&state, kill - 1).is_some());
        assert!(check(&state, kill).is_none());
    }
}
