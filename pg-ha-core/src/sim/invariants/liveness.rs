//! After the heal: a writable primary exists within ttl + loop_wait + a bound, and by the end
//! of the run every other node replicates from it.

use super::Violation;
use crate::sim::state::SimState;

/// The node accepting writes now, or a violation.
pub fn writable_primary(state: &SimState) -> Result<usize, Violation> {
    let now = state.now();
    (0..state.nodes.len())
        .find(|i| state.accepts_writes_at(*i, now))
        .ok_or_else(|| {
            Violation::new(
                "writable primary after heal",
                now,
                format!("no node accepts writes; {}", describe(state)),
            )
        })
}

/// Which diverged nodes the configuration lets rejoin without a human.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejoin {
    /// Diverged nodes rejoin (use_pg_rewind, or remove_data_directory_on_diverged_timelines).
    pub diverged: bool,
    /// A node whose pg_rewind failed rejoins (remove_data_directory_on_rewind_failure).
    pub after_failed_rewind: bool,
}

/// Checks that every node other than `primary` streams from it with a WAL that is a prefix
/// of the primary's. Unless `rejoin_diverged` (use_pg_rewind, or
/// remove_data_directory_on_diverged_timelines), a node whose WAL diverged from the
/// primary's is left for the operator to reinitialise, as Patroni leaves it.
pub fn replicating(state: &SimState, primary: usize, rejoin: Rejoin) -> Option<Violation> {
    let p = &state.nodes[primary];
    let pwal = p.pg.wal()?;
    for (i, node) in state.nodes.iter().enumerate() {
        if i == primary || node.lost {
            continue;
        }
        let diverged = node.pg.wal().is_some_and(|w| !w.is_prefix_of(pwal));
        let rewind_failed = node.pg.data.as_ref().is_some_and(|d| d.rewind_failed);
        if (diverged && !rejoin.diverged) || (rewind_failed && !rejoin.after_failed_rewind) {
            // Waits for a human, as configured.
            continue;
        }
        let ok =
            node.pg.streams_from(&p.name) && node.pg.wal().is_some_and(|w| w.is_prefix_of(pwal));
        if !ok {
            return Some(Violation::new(
                "every node replicates from the primary after heal",
                state.now(),
                format!(
                    "{} does not stream from {}; {}",
                    node.name,
                    p.name,
                    describe(state)
                ),
            ));
        }
    }
    None
}

/// A one-line summary of every node's PostgreSQL and agent.
pub fn describe(state: &SimState) -> String {
    state
        .nodes
        .iter()
        .map(|n| {
            let wal = n.pg.wal().map_or_else(|| "empty".into(), describe_wal);
            let role = match &n.pg.data {
                Some(d) if d.standby => format!("standby of {:?}", n.pg.upstream),
                Some(_) => "primary".to_string(),
                None => "-".to_string(),
            };
            format!(
                "{}: {:?} {} {} streaming={} agent={:?}",
                n.name, n.pg.process, role, wal, n.pg.streaming, n.agent
            )
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// A WAL as `tl1#b1..E tl2#b3..E`: each segment's timeline, branch and end.
pub fn describe_wal(wal: &crate::sim::wal::Wal) -> String {
    wal.segments()
        .iter()
        .map(|s| format!("tl{}#b{}..{}", s.timeline, s.branch, s.end))
        .collect::<Vec<_>>()
        .join(" ")
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

    const ALL: Rejoin = Rejoin {
        diverged: true,
        after_failed_rewind: true,
    };

    fn node(state: &mut SimState, i: usize, wal: Wal, standby: bool) {
        let pg = &mut state.nodes[i].pg;
        pg.data = Some(DataDir::with_wal(wal, standby));
        pg.process = ProcessState::Running;
        if standby {
            pg.upstream = Some("n1".into());
            pg.streaming = true;
        }
    }

    #[test]
    fn a_stuck_replica_violates_and_a_diverged_one_only_when_it_could_rejoin() {
        let names = ["n1".to_string(), "n2".to_string()];
        let mut state = SimState::new(Arc::new(GlobalClock::new()), SimRng::new(0), &names);
        let base = Wal::initdb(1, 100);
        let mut primary = base.clone();
        primary.fork(2, 10, 0);
        node(&mut state, 0, primary, false);
        node(&mut state, 1, base.clone(), true);
        assert_eq!(writable_primary(&state).ok(), Some(0));
        assert!(replicating(&state, 0, ALL).is_none(), "a streaming prefix");
        state.nodes[1].pg.streaming = false;
        assert!(replicating(&state, 0, ALL).is_some(), "not streaming");
        let mut diverged = base;
        diverged.fork(3, 10, 0);
        node(&mut state, 1, diverged, true);
        state.nodes[1].pg.streaming = false;
        assert!(replicating(&state, 0, ALL).is_some());
        let none = Rejoin {
            diverged: false,
            after_failed_rewind: false,
        };
        assert!(replicating(&state, 0, none).is_none());
        // A failed pg_rewind: waits for a human unless the data directory may be wiped.
        if let Some(d) = state.nodes[1].pg.data.as_mut() {
            d.rewind_failed = true;
        }
        assert!(replicating(&state, 0, ALL).is_some());
        let keep = Rejoin {
            diverged: true,
            after_failed_rewind: false,
        };
        assert!(replicating(&state, 0, keep).is_none());
    }
}
