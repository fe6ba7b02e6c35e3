//! A node accepts writes only while it holds the leader key in the DCS (as the DCS itself
//! sees it, lease expiry included): the write fence must stop a primary before the DCS lets
//! its key go. In pause, and with failsafe_mode on (where members vouch for the primary), a
//! primary may run without the key, as on Patroni: a node is exempt while its own view of
//! the dynamic configuration has either (a paused primary cut off from the DCS cannot see
//! the pause end; the single-writer invariant still holds it to account).

use super::Violation;
use crate::sim::state::SimState;

/// Checks that every node accepting writes now holds the key `leader` (the DCS's current
/// holder), unless `exempt(i)`.
pub fn check(
    state: &SimState,
    leader: Option<&str>,
    exempt: impl Fn(usize) -> bool,
) -> Option<Violation> {
    let now = state.now();
    for (i, node) in state.nodes.iter().enumerate() {
        if !state.accepts_writes_at(i, now) || exempt(i) {
            continue;
        }
        if leader.is_none_or(|l| !l.eq_ignore_ascii_case(&node.name)) {
            return Some(Violation::new(
                "a writer holds the leader key",
                now,
                format!(
                    "{} accepts writes while the leader key is {}",
                    node.name,
                    leader.map_or("absent".to_string(), |l| format!("held by {l}"))
                ),
            ));
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
    use std::sync::Arc;

    #[test]
    fn a_primary_without_the_key_violates_unless_exempt() {
        let mut state = SimState::new(Arc::new(GlobalClock::new()), SimRng::new(0), &["n1".into()]);
        state.nodes[0].pg.data = Some(DataDir::with_wal(Wal::initdb(1, 100), false));
        state.nodes[0].pg.process = ProcessState::Running;
        assert!(state.accepts_writes_at(0, state.now()), "a running primary");
        assert!(check(&state, Some("n1"), |_| false).is_none());
        assert!(check(&state, None, |_| false).is_some());
        assert!(check(&state, Some("n2"), |_| false).is_some());
        assert!(check(&state, None, |_| true).is_none());
    }
}
