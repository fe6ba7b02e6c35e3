//! `SimPeers`: the [`Peers`] trait answered from the other nodes' simulated state, as their
//! REST API would. A peer cannot be asked when its agent is down or frozen (nothing serves
//! the API) or when either node is isolated.

use super::state::{AgentState, Shared, SimState};
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

/// What node `peer`'s API reports about itself.
pub fn peer_status(state: &SimState, peer: usize) -> PeerStatus {
    let node = &state.nodes[peer];
    let pg = &node.pg;
    PeerStatus {
        is_primary: pg.is_running_primary(),
        wal_position: pg.wal().filter(|_| pg.running()).map(|w| Lsn(w.end())),
        timeline: pg.wal().map(|w| w.timeline()),
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
