//! `SimPeers`: the [`Peers`] trait answered from the other nodes' simulated state, as their
//! REST API would. A peer cannot be asked when its agent is down or frozen (nothing serves
//! the API) or when either node is isolated.

use super::state::{AgentState, RestView, Shared, SimState};
use crate::lsn::Lsn;
use crate::model::Member;
use crate::peers::{FailsafeNotice, PeerStatus, Peers};
use async_trait::async_trait;

/// The peers as seen from one node.
#[derive(Debug, Clone)]
pub struct SimPeers {
    node: usize,
    shared: Shared,
}

impl SimPeers {
    /// The peers of node `node`.
    pub fn new(node: usize, shared: Shared) -> SimPeers {
        SimPeers { node, shared }
    }
}

fn reachable_peer(state: &SimState, me: usize, name: &str) -> Result<usize, String> {
    let peer = state
        .index_of(name)
        .ok_or_else(|| format!("{name}: unknown member"))?;
    if peer == me {
        return Err(format!("{name}: that is this node"));
    }
    if !state.connected(me, peer) {
        return Err(format!("{name}: network partition"));
    }
    if state.nodes[peer].agent != AgentState::Running {
        return Err(format!("{name}: the API does not answer"));
    }
    Ok(peer)
}

/// What node `peer`'s API reports about itself: the role and timeline its agent's last
/// cycle saw, and the position read live while the server still runs in that role (else
/// none: the cycle's may understate what it holds), as the real API (`rest/live_wal.rs`).
/// Before its first cycle: the server now.
pub fn peer_status(state: &SimState, peer: usize) -> PeerStatus {
    let node = &state.nodes[peer];
    let live = RestView::of(&node.pg);
    let view = node.rest_view.unwrap_or(live);
    let same_role = live.running && live.primary == view.primary;
    let position = if view.running && same_role {
        live.position
    } else {
        None
    };
    PeerStatus {
        is_primary: view.primary,
        wal_position: position.map(Lsn),
        timeline: view.timeline,
        failover_priority: node.tags.failover_priority(),
        watchdog_failed: false,
    }
}

#[async_trait]
impl Peers for SimPeers {
    async fn status(&self, member: &Member) -> Result<PeerStatus, String> {
        let state = self.shared.lock();
        let peer = reachable_peer(&state, self.node, &member.name)?;
        Ok(peer_status(&state, peer))
    }

    async fn failsafe(&self, member: &Member, notice: &FailsafeNotice) -> Result<(), String> {
        let mut state = self.shared.lock();
        let peer = reachable_peer(&state, self.node, &member.name)?;
        let target = &state.nodes[peer];
        let refusal = crate::decide::failsafe_notice_refusal(
            target.pg.is_running_primary(),
            target.known_leader.as_deref(),
            &notice.name,
        );
        if let Some(why) = refusal {
            return Err(format!("{}: {why}", member.name));
        }
        // As the agent's REST handler: the notice goes to the loop, which holds off the
        // leader race while the leader vouches for itself.
        let now = state.now();
        let received = state.nodes[peer].clock.mono_at(now);
        state.nodes[peer].failsafe_notice = Some((notice.name.clone(), received));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgres::{Postgres, Upstream};
    use crate::sim::clock::GlobalClock;
    use crate::sim::executor::block_on;
    use crate::sim::postgres::SimPostgres;
    use crate::sim::rng::SimRng;
    use std::sync::Arc;

    /// The API shows the role and timeline of the agent's last cycle, and live positions only
    /// while the server still runs in that role: a replica promoted since still answers as
    /// a replica, without a position (the cycle's would understate its WAL).
    #[test]
    fn a_peer_answers_from_its_last_cycle_with_live_positions() {
        let names = ["n1".to_string(), "n2".to_string()];
        let shared = Shared::new(SimState::new(
            Arc::new(GlobalClock::new()),
            SimRng::new(1),
            &names,
        ));
        let pg: Vec<SimPostgres> = (0..2)
            .map(|i| SimPostgres::new(i, shared.clone()))
            .collect();
        block_on(pg[0].bootstrap()).expect("bootstrap");
        block_on(pg[1].clone_replica(&Upstream::member("n1", "postgres://n1"))).expect("clone");
        block_on(pg[1].start_standby(None)).expect("start");
        let seen = {
            let mut state = shared.lock();
            let view = RestView::of(&state.nodes[1].pg);
            state.nodes[1].rest_view = Some(view);
            view
        };
        assert!(!peer_status(&shared.lock(), 1).is_primary);
        block_on(pg[1].promote(1)).expect("promote");
        let status = peer_status(&shared.lock(), 1);
        assert!(!status.is_primary, "the cycle's role until the next cycle");
        assert_eq!(status.timeline, seen.timeline);
        assert!(seen.position.is_some());
        assert_eq!(status.wal_position, None, "no position from another role");
        let mut state = shared.lock();
        state.nodes[1].rest_view = Some(RestView::of(&state.nodes[1].pg));
        let status = peer_status(&state, 1);
        assert!(status.is_primary);
        assert_eq!(
            status.wal_position.map(|l| l.0),
            state.nodes[1].pg.wal().map(|w| w.end())
        );
    }
}
