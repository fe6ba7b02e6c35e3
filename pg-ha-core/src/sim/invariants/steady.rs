//! After the heal, once a writable primary exists (the liveness deadline), nothing disturbs
//! the cluster any more: that primary keeps accepting writes and no node becomes primary
//! until the run ends. A leader that stops, restarts or hands over with no fault and no
//! operator request is a liveness bug (a renewal that comes too late, a decision that
//! flaps), even when a primary is back by the final check.

use super::Violation;
use crate::sim::clock::Micros;
use crate::sim::state::SimState;

/// The primary found at the liveness deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    /// The node index of the primary.
    pub primary: usize,
    /// The global time it was found.
    pub since: Micros,
}

const INVARIANT: &str = "the primary stays put after the heal";

/// Checks that the settled primary still accepts writes now.
pub fn check(state: &SimState, settled: Option<Settled>) -> Option<Violation> {
    let settled = settled?;
    let now = state.now();
    if state.accepts_writes_at(settled.primary, now) {
        return None;
    }
    Some(Violation::new(
        INVARIANT,
        now,
        format!(
            "{} no longer accepts writes; {}",
            state.nodes[settled.primary].name,
            super::liveness::describe(state)
        ),
    ))
}

/// Checks a node that became primary (`how`) at `at`: not allowed once settled, even when
/// it stopped and started again within one step.
pub fn check_new_primary(
    settled: Option<Settled>,
    name: &str,
    how: &str,
    at: Micros,
) -> Option<Violation> {
    let settled = settled.filter(|s| at > s.since)?;
    Some(Violation::new(
        INVARIANT,
        at,
        format!(
            "{name} became primary ({how}) {:.3}s after the cluster settled",
            (at - settled.since) as f64 / 1e6
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgres::ProcessState;
    use crate::sim::clock::GlobalClock;
    use crate::sim::pg_state::DataDir;
    use crate::sim::rng::SimRng;
    use crate::sim::wal::Wal;
    use std::sync::Arc;

    fn primary() -> SimState {
        let mut state = SimState::new(Arc::new(GlobalClock::new()), SimRng::new(0), &["n1".into()]);
        state.nodes[0].pg.data = Some(DataDir::with_wal(Wal::initdb(1, 100), false));
        state.nodes[0].pg.process = ProcessState::Running;
        state
    }

    const SETTLED: Option<Settled> = Some(Settled {
        primary: 0,
        since: 0,
    });

    #[test]
    fn a_settled_primary_that_stops_violates() {
        let mut state = primary();
        assert_eq!(check(&state, SETTLED), None, "still writable");
        assert_eq!(check(&state, None), None, "nothing settled yet");
        state.nodes[0].pg.process = ProcessState::Stopped;
        let v = check(&state, SETTLED).expect("stopped after settling");
        assert_eq!(v.invariant, INVARIANT);
    }

    #[test]
    fn a_new_primary_after_settling_violates() {
        let settled = Some(Settled {
            primary: 0,
            since: 5_000_000,
        });
        assert_eq!(check_new_primary(settled, "n1", "promote", 4_000_000), None);
        assert_eq!(check_new_primary(None, "n1", "promote", 9_000_000), None);
        let v = check_new_primary(settled, "n1", "start_primary", 6_000_000);
        assert!(v.is_some_and(|v| v.detail.contains("1.000s after")));
    }
}
