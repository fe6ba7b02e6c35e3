//! When a machine is lost for good, Patroni's rules may leave the survivors no candidate: all
//! tagged nofailover, all further behind the last published primary position than
//! maximum_lag_on_failover, all on an older timeline under check_timeline, or none in the
//! failsafe map. Then no primary is the configured outcome, not a liveness failure.
//!
//! Worked out from the world (each node's real WAL and tags, the DCS's keys as stored), not
//! from what the agents decided, so that a survivor that could lead but did not is still a
//! violation.

use crate::config::DynamicConfig;
use crate::model::{Cluster, Tags};
use crate::sim::state::{AgentState, SimState};

/// Why no survivor may lead, or `None` when one may (or when no node is lost).
pub fn reason(
    state: &SimState,
    cluster: Option<&Cluster>,
    dynamic: &DynamicConfig,
    tags: &[Tags],
) -> Option<String> {
    if !state.nodes.iter().any(|n| n.lost) {
        return None;
    }
    let cluster = cluster?;
    let dynamic = cluster.config.as_ref().map_or(dynamic, |c| &c.parsed);
    let mut why = Vec::new();
    for (i, node) in state.nodes.iter().enumerate() {
        if node.lost || node.agent != AgentState::Running {
            continue;
        }
        let tags = tags.get(i).cloned().unwrap_or_default();
        match barred(state, i, cluster, dynamic, &tags) {
            Some(bar) => why.push(format!("{}: {bar}", node.name)),
            None => return None,
        }
    }
    (!why.is_empty()).then(|| why.join("; "))
}

/// What bars survivor `i` from leading, by Patroni's rules.
fn barred(
    state: &SimState,
    i: usize,
    cluster: &Cluster,
    dynamic: &DynamicConfig,
    tags: &Tags,
) -> Option<String> {
    let node = &state.nodes[i];
    let Some(wal) = node.pg.wal() else {
        return Some("no data directory".into());
    };
    if tags.nofailover() {
        return Some("nofailover".into());
    }
    if dynamic.failsafe_mode {
        if let Some(map) = cluster.failsafe.as_ref().filter(|m| !m.0.is_empty()) {
            if !map.0.contains_key(&node.name) {
                return Some("not in the failsafe map".into());
            }
        }
    }
    let published = cluster.status.optime.unwrap_or(0);
    let ended = cluster.history.switch_point(wal.timeline()).unwrap_or(0);
    let lag = published.max(ended).saturating_sub(wal.end());
    if lag > dynamic.maximum_lag_on_failover {
        return Some(format!("lag {lag} > maximum_lag_on_failover"));
    }
    let cluster_timeline = cluster.history.timeline().min(highest_timeline(state));
    if dynamic.check_timeline && wal.timeline() < cluster_timeline {
        return Some(format!(
            "timeline {} < {cluster_timeline} (check_timeline)",
            wal.timeline()
        ));
    }
    None
}

/// The highest timeline any node's WAL reached, lost nodes included: a timeline the history
/// announces but no server ever ran on does not bar anyone.
fn highest_timeline(state: &SimState) -> u32 {
    state
        .nodes
        .iter()
        .filter_map(|n| n.pg.wal().map(|w| w.timeline()))
        .max()
        .unwrap_or(1)
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

    fn world() -> SimState {
        let names = ["n1".to_string(), "n2".to_string(), "n3".to_string()];
        let mut state = SimState::new(Arc::new(GlobalClock::new()), SimRng::new(0), &names);
        for (i, end) in [(0, 3_000_000), (1, 1_000_000), (2, 2_500_000)] {
            let pg = &mut state.nodes[i].pg;
            pg.data = Some(DataDir::with_wal(Wal::initdb(1, end), i != 0));
            pg.process = ProcessState::Running;
            state.nodes[i].agent = AgentState::Running;
        }
        state
    }

    fn cluster(optime: u64) -> Cluster {
        let mut c = Cluster::default();
        c.status.optime = Some(optime);
        c
    }

    #[test]
    fn no_lost_node_means_no_exemption() {
        let state = world();
        let dynamic = DynamicConfig::default();
        assert_eq!(
            reason(&state, Some(&cluster(0)), &dynamic, &[]),
            None,
            "nothing lost"
        );
    }

    #[test]
    fn a_survivor_within_the_lag_may_lead_until_tagged_nofailover() {
        let mut state = world();
        state.nodes[0].lost = true;
        let dynamic = DynamicConfig::default();
        let c = cluster(3_000_000);
        assert_eq!(
            reason(&state, Some(&c), &dynamic, &[]),
            None,
            "n3 lags 0.5 MB"
        );
        let mut no = Tags::default();
        no.0.insert("nofailover".into(), serde_json::json!(true));
        let tags = vec![Tags::default(), Tags::default(), no];
        let why = reason(&state, Some(&c), &dynamic, &tags).expect("stranded");
        assert!(
            why.contains("n3: nofailover") && why.contains("n2: lag"),
            "{why}"
        );
    }

    #[test]
    fn the_failsafe_map_and_check_timeline_bar_survivors() {
        let mut state = world();
        state.nodes[0].lost = true;
        let mut dynamic = DynamicConfig {
            maximum_lag_on_failover: 10_000_000,
            ..DynamicConfig::default()
        };
        let mut c = cluster(3_000_000);
        c.failsafe = Some(crate::model::Failsafe(
            [("n1".to_string(), "http://n1".to_string())].into(),
        ));
        assert_eq!(reason(&state, Some(&c), &dynamic, &[]), None, "map ignored");
        dynamic.failsafe_mode = true;
        assert!(reason(&state, Some(&c), &dynamic, &[]).is_some());
        dynamic.failsafe_mode = false;
        dynamic.check_timeline = true;
        // The lost node reached timeline 2 and the history says so: both survivors are on 1.
        if let Some(d) = state.nodes[0].pg.data.as_mut() {
            d.wal.fork(2, 3_000_000, 0);
        }
        c.history = crate::model::History::from_value(&serde_json::json!([[1, 3_000_000, "r"]]))
            .expect("history");
        let why = reason(&state, Some(&c), &dynamic, &[]).expect("stranded");
        assert!(why.contains("check_timeline"), "{why}");
    }
}
