//! Simulated agents for the ctl tests: like the real loop, they act on a `failover` key
//! (release the leader key, let the candidate take it, clear the request) and publish the
//! cluster's `pause` state and their role in their member keys. Only what the ctl observes.

use super::cluster::{member_value, TTL};
use dcs_etcd::EtcdDcs;
use pg_ha_core::dcs::{Dcs, DcsExt};
use pg_ha_core::model::{Cluster, Condition, Key, Role};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// One simulated member.
pub struct Agent {
    /// The member name.
    pub name: String,
    /// Its REST API.
    pub api_url: String,
    /// The client owning its lease.
    pub dcs: Arc<EtcdDcs>,
}

/// Runs the agents every 100 ms until aborted.
pub fn spawn(admin: EtcdDcs, agents: Vec<Agent>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if let Ok(cluster) = admin.load().await {
                step(&admin, &agents, &cluster).await;
            }
        }
    })
}

async fn step(admin: &EtcdDcs, agents: &[Agent], cluster: &Cluster) {
    let mut leader = cluster.leader_name().map(str::to_string);
    if let Some(request) = cluster.failover_request() {
        if request.value.scheduled_at.is_none() {
            let target = request.value.member.clone().or_else(|| {
                agents
                    .iter()
                    .map(|a| a.name.clone())
                    .find(|n| Some(n) != leader.as_ref())
            });
            if let Some(target) = target.filter(|t| Some(t) != leader.as_ref()) {
                if let Some(old) = leader.as_deref() {
                    if let Some(agent) = agents.iter().find(|a| a.name == old) {
                        let _ = agent.dcs.release_leader(old).await;
                    }
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                if let Some(agent) = agents.iter().find(|a| a.name == target) {
                    if let Ok(true) = agent.dcs.acquire_leader(&target, TTL).await {
                        leader = Some(target);
                    }
                }
            }
            let _ = admin.write(Key::Failover, "{}", Condition::Any).await;
        }
    }
    let pause = cluster.config.as_ref().is_some_and(|c| c.parsed.pause);
    for agent in agents {
        let leads = leader.as_deref() == Some(agent.name.as_str());
        let current = cluster.member(&agent.name);
        let up_to_date = current.is_some_and(|m| {
            m.data.pause.unwrap_or(false) == pause && (m.data.role == Role::Primary) == leads
        });
        if !up_to_date {
            let value = member_value(&agent.name, &agent.api_url, leads, pause);
            let _ = agent.dcs.touch_member(&agent.name, &value, TTL).await;
        }
    }
}
