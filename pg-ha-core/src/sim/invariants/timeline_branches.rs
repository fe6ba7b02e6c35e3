//! No timeline number is used by two branches: two promotions that both called their new
//! history "timeline N" would let a replica of one follow the other without noticing that
//! they diverged.

use super::Violation;
use crate::sim::state::SimState;
use std::collections::BTreeMap;

/// Checks every node's WAL segments against the branch each timeline was first seen on
/// (`seen`: timeline -> branch), and records new timelines.
pub fn check(state: &SimState, seen: &mut BTreeMap<u32, u64>) -> Option<Violation> {
    for node in &state.nodes {
        let Some(wal) = node.pg.wal() else {
            continue;
        };
        for segment in wal.segments() {
            let first = *seen.entry(segment.timeline).or_insert(segment.branch);
            if first != segment.branch {
                return Some(Violation::new(
                    "no timeline number used by two branches",
                    state.now(),
                    format!(
                        "{} has timeline {} on branch {}, already used by branch {first}",
                        node.name, segment.timeline, segment.branch
                    ),
                ));
            }
        }
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
    use std::collections::BTreeMap;
    use std::sync::Arc;

    fn node_with(wal: Wal, name: &str, state: &mut SimState, i: usize) {
        state.nodes[i].name = name.into();
        state.nodes[i].pg.data = Some(DataDir::with_wal(wal, false));
    }

    #[test]
    fn two_branches_named_timeline_2_violate() {
        let names = ["n1".to_string(), "n2".to_string()];
        let mut state = SimState::new(Arc::new(GlobalClock::new()), SimRng::new(0), &names);
        let base = Wal::initdb(1, 100);
        let mut a = base.clone();
        a.fork(2, 5, 0);
        let mut b = base.clone();
        node_with(a, "n1", &mut state, 0);
        node_with(b.clone(), "n2", &mut state, 1);
        let mut seen = BTreeMap::new();
        assert!(check(&state, &mut seen).is_none());
        b.fork(3, 6, 0);
        node_with(b, "n2", &mut state, 1);
        assert!(check(&state, &mut seen).is_some());
    }
}
