//! The write fence as the real guard enforces it (`pg-ha-fence`): not a switch that stops
//! writes exactly at the deadline, but a SIGKILL of the primary's postmaster some time around
//! it. The agent's client asks the guard for the deadline less [`GUARD_LEAD`]; the guard then
//! wakes up to [`GUARD_JITTER`] late. Until the kill the server keeps taking writes; after
//! it the agent finds a crashed server and decides what to do, as on a real node. A deadline
//! that passed stays in force: a primary started again before the next extension is killed
//! again (the guard's recheck).

use super::state::SimState;
use crate::time::Mono;
use std::time::Duration;

/// How much earlier than the agent's deadline the client asks the guard to fire (the real
/// client's `SAFETY`).
pub const GUARD_LEAD: Duration = Duration::from_millis(50);

/// The longest the guard wakes up late (scheduling on a loaded machine).
pub const GUARD_JITTER: Duration = Duration::from_millis(100);

/// When the guard kills a primary under the fence `deadline` (the node's local clock):
/// between `deadline - GUARD_LEAD` and `deadline - GUARD_LEAD + GUARD_JITTER`, drawn from
/// the deadline itself so that a run replays.
pub fn kill_at(deadline: Mono) -> Mono {
    let jitter = GUARD_JITTER.as_micros() as u64;
    let spread = (deadline.0.as_micros() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 17;
    let late = Duration::from_micros(spread % (jitter + 1));
    Mono(deadline.0.saturating_sub(GUARD_LEAD) + late)
}

/// Kills every running primary whose fence has fired by global time `now`; returns the
/// nodes it killed.
pub fn enforce(state: &mut SimState, now: u64) -> Vec<usize> {
    let mut killed = Vec::new();
    for (i, node) in state.nodes.iter_mut().enumerate() {
        if node.faults.paused(now) {
            // The guard is paused with its node; it fires when the node resumes.
            continue;
        }
        let local = node.clock.mono_at(now);
        let fired = node.pg.fence.is_some_and(|d| local >= kill_at(d));
        if fired && node.pg.is_running_primary() {
            node.pg.crash();
            killed.push(i);
        }
    }
    killed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_fires_within_its_lead_and_jitter_of_the_deadline() {
        for ms in [1_000, 5_007, 12_345, 99_999] {
            let deadline = Mono::from_millis(ms);
            let at = kill_at(deadline);
            assert!(at >= Mono(deadline.0 - GUARD_LEAD), "{ms}: {at:?}");
            assert!(
                at <= Mono(deadline.0 - GUARD_LEAD + GUARD_JITTER),
                "{ms}: {at:?}"
            );
        }
        let spread: std::collections::BTreeSet<_> = (0..50)
            .map(|k| kill_at(Mono::from_millis(1000 + 37 * k)))
            .map(|m| m.0.as_micros() % 1000)
            .collect();
        assert!(spread.len() > 10, "the jitter varies: {spread:?}");
    }
}
