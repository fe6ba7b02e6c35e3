//! Patroni's `is_failover_possible`: can a switchover or failover request be accepted now?
//! (spec 3.4, step 6; answered with 412 and the message when not.)

use super::{Control, SwitchAction};
use pg_ha_core::config::{DynamicConfig, SyncMode};
use pg_ha_core::model::{Cluster, Member};
use std::sync::Arc;
use tokio::task::JoinSet;

/// `None` when the request may go ahead, else why not.
pub(crate) async fn failover_impossible(
    control: &Arc<dyn Control>,
    cluster: &Cluster,
    dynamic: &DynamicConfig,
    leader: Option<&str>,
    candidate: Option<&str>,
    action: SwitchAction,
) -> Option<String> {
    if let Some(leader) = leader {
        if cluster.leader_name() != Some(leader) {
            return Some("leader name does not match".into());
        }
    }
    let members = match targets(cluster, dynamic, candidate, action) {
        Ok(members) => members,
        Err(why) => return Some(why),
    };
    if any_healthy(control, members).await {
        None
    } else {
        Some(format!(
            "{} is not possible: no good candidates have been found",
            action.name()
        ))
    }
}

/// Synchronous (not quorum) mode outside a standby cluster.
fn strict_sync(dynamic: &DynamicConfig) -> bool {
    dynamic.synchronous_mode == SyncMode::On && !dynamic.is_standby_cluster()
}

fn in_sync(cluster: &Cluster, name: &str) -> bool {
    cluster
        .sync_state()
        .is_some_and(|s| s.value.has_standby(name))
}

/// The members that could take over, or why there are none.
fn targets(
    cluster: &Cluster,
    dynamic: &DynamicConfig,
    candidate: Option<&str>,
    action: SwitchAction,
) -> Result<Vec<Member>, String> {
    let action_name = action.name();
    if let Some(candidate) = candidate {
        if action == SwitchAction::Switchover
            && strict_sync(dynamic)
            && !in_sync(cluster, candidate)
        {
            return Err("candidate name does not match with sync_standby".into());
        }
        return match cluster.member(candidate) {
            Some(m) => Ok(vec![m.clone()]),
            None => Err("candidate does not exists".into()),
        };
    }
    if strict_sync(dynamic) {
        let members: Vec<Member> = cluster
            .members
            .iter()
            .filter(|m| in_sync(cluster, &m.name))
            .cloned()
            .collect();
        if members.is_empty() {
            return Err(format!(
                "{action_name} is not possible: can not find sync_standby"
            ));
        }
        return Ok(members);
    }
    let members: Vec<Member> = cluster
        .members
        .iter()
        .filter(|m| {
            cluster.leader.is_none() || (!cluster.is_leader(&m.name) && m.data.api_url.is_some())
        })
        .cloned()
        .collect();
    if members.is_empty() {
        return Err(format!(
            "{action_name} is not possible: cluster does not have members except leader"
        ));
    }
    Ok(members)
}

/// Asks every target in parallel; true as soon as one answers healthy (reachable, may be
/// promoted, watchdog fine).
async fn any_healthy(control: &Arc<dyn Control>, members: Vec<Member>) -> bool {
    let mut probes = JoinSet::new();
    for member in members {
        let control = Arc::clone(control);
        probes.spawn(async move { control.member_status(&member).await });
    }
    while let Some(done) = probes.join_next().await {
        if let Ok(Ok(status)) = done {
            if status.failover_priority > 0 && !status.watchdog_failed {
                return true;
            }
        }
    }
    false
}
