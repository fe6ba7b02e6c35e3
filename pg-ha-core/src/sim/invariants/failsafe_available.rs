//! With failsafe_mode, a DCS outage costs no writes: while every member answers the primary
//! (all agents and servers run, and nothing but the outage is wrong), the primary keeps
//! accepting writes until the DCS is back. Watched from the moment a [`DcsOutage`] starts on
//! a healthy cluster whose `failsafe` key lists every node; any other fault, a crash or a
//! freeze ends the watch (the primary may then rightly stop).
//!
//! [`DcsOutage`]: crate::sim::chaos::Fault::DcsOutage

use super::Violation;
use crate::model::Cluster;
use crate::sim::clock::Micros;
use crate::sim::state::{AgentState, SimState};

/// A DCS outage being watched: the primary that must stay writable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watch {
    /// The primary when the outage began.
    pub primary: usize,
}

/// Whether an outage beginning now is watched: failsafe_mode on (not paused), one writable
/// primary holding the leader key, the `failsafe` key listing every node, and every node
/// healthy.
pub fn start(state: &SimState, cluster: Option<&Cluster>, now: Micros) -> Option<Watch> {
    let cluster = cluster?;
    let config = &cluster.config.as_ref()?.parsed;
    if !config.failsafe_mode || config.pause {
        return None;
    }
    let writers: Vec<usize> = (0..state.nodes.len())
        .filter(|i| state.accepts_writes_at(*i, now))
        .collect();
    let [primary] = writers[..] else {
        return None;
    };
    let map = cluster.failsafe.as_ref()?;
    let listed =
        state.nodes.iter().all(|n| map.0.contains_key(&n.name)) && map.0.len() == state.nodes.len();
    let leads = cluster.leader_name() == Some(state.nodes[primary].name.as_str());
    (listed && leads && healthy(state, now)).then_some(Watch { primary })
}

/// What the watch finds now: `Ok(true)` to go on watching, `Ok(false)` when it ends (the
/// outage is over, or another fault makes stopping legitimate), or the violation.
pub fn check(state: &SimState, watch: Watch, now: Micros) -> Result<bool, Violation> {
    let outage = state.nodes.iter().all(|n| n.faults.dcs_cut(now));
    if !outage || !healthy(state, now) {
        return Ok(false);
    }
    if state.accepts_writes_at(watch.primary, now) {
        return Ok(true);
    }
    Err(Violation::new(
        "failsafe_mode keeps the primary writable through a DCS outage",
        now,
        format!(
            "{} stopped accepting writes while every member could confirm it",
            state.nodes[watch.primary].name
        ),
    ))
}

/// Every agent and server runs, no node is lost, and no fault but the DCS outage (and
/// stalled replication, which failsafe does not need) is active.
fn healthy(state: &SimState, now: Micros) -> bool {
    state.nodes.iter().all(|n| {
        let f = &n.faults;
        n.agent == AgentState::Running
            && !n.lost
            && n.pg.running()
            && !f.isolated(now)
            && !f.slow(now)
            && !f.lossy(now)
            && !f.paused(now)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DynamicConfig;
    use crate::model::{ConfigEntry, Failsafe, Leader};
    use crate::postgres::ProcessState;
    use crate::sim::clock::GlobalClock;
    use crate::sim::pg_state::DataDir;
    use crate::sim::rng::SimRng;
    use crate::sim::wal::Wal;
    use std::sync::Arc;

    fn cluster(failsafe_mode: bool, listed: &[&str]) -> Cluster {
        let parsed = DynamicConfig {
            failsafe_mode,
            ..DynamicConfig::default()
        };
        Cluster {
            config: Some(ConfigEntry {
                raw: serde_json::json!({}),
                parsed,
                version: 1,
            }),
            leader: Some(Leader {
                name: "n1".into(),
                version: 1,
                session: None,
            }),
            failsafe: Some(Failsafe(
                listed
                    .iter()
                    .map(|n| (n.to_string(), format!("http://{n}")))
                    .collect(),
            )),
            ..Cluster::default()
        }
    }

    fn healthy_pair() -> SimState {
        let names = ["n1".to_string(), "n2".to_string()];
        let mut state = SimState::new(Arc::new(GlobalClock::new()), SimRng::new(0), &names);
        for (i, node) in state.nodes.iter_mut().enumerate() {
            node.pg.data = Some(DataDir::with_wal(Wal::initdb(1, 100), i == 1));
            node.pg.process = ProcessState::Running;
            node.agent = AgentState::Running;
            node.faults.dcs_cut_until = Some(10_000_000);
        }
        state
    }

    #[test]
    fn a_primary_that_stops_during_a_clean_outage_violates() {
        let mut state = healthy_pair();
        let c = cluster(true, &["n1", "n2"]);
        let watch = start(&state, Some(&c), 1_000).expect("watched");
        assert_eq!(watch.primary, 0);
        assert_eq!(check(&state, watch, 2_000), Ok(true));
        state.nodes[0].pg.fence = Some(crate::time::Mono::from_millis(0));
        assert!(
            check(&state, watch, 3_000).is_err(),
            "fenced during the outage"
        );
    }

    #[test]
    fn no_watch_without_failsafe_or_a_full_map_and_none_after_another_fault() {
        let mut state = healthy_pair();
        assert_eq!(
            start(&state, Some(&cluster(false, &["n1", "n2"])), 1_000),
            None
        );
        assert_eq!(start(&state, Some(&cluster(true, &["n1"])), 1_000), None);
        let watch = start(&state, Some(&cluster(true, &["n1", "n2"])), 1_000).expect("watched");
        state.nodes[1].agent = AgentState::Frozen { until: 9_000_000 };
        state.nodes[0].pg.fence = Some(crate::time::Mono::from_millis(0));
        assert_eq!(
            check(&state, watch, 2_000),
            Ok(false),
            "a frozen member ends it"
        );
        state.nodes[1].agent = AgentState::Running;
        assert_eq!(
            check(&state, watch, 10_000_001),
            Ok(false),
            "the DCS is back"
        );
    }
}
