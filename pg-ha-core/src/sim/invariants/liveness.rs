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

/// Checks that every node other than `primary` streams from it with a WAL that is a prefix
/// of the primary's.
pub fn replicating(state: &SimState, primary: usize) -> Option<Violation> {
    let p = &state.nodes[primary];
    let pwal = p.pg.wal()?;
    for (i, node) in state.nodes.iter().enumerate() {
        if i == primary {
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
