//! A node whose data directory is empty: the bootstrap race, cloning, or waiting. Also the
//! system-id checks for a node with data.

use super::{Action, Ctx, Decision, Reason};
use crate::model::Condition;

/// The data directory is empty.
pub(super) fn empty_data_dir(ctx: &Ctx<'_>) -> Decision {
    let cluster = ctx.cluster;
    if ctx.i_am_leader() {
        return Decision::act(Reason::WaitingForLeaderToClone, vec![Action::ReleaseLeader]);
    }
    if ctx.obs.facts.bootstrap_failed {
        return bootstrap_failed(ctx);
    }
    if let Some(leader) = cluster.leader_member() {
        let source = clone_source(ctx).unwrap_or_else(|| leader.name.clone());
        let upstream = Some(leader.name.clone());
        return Decision::act(
            Reason::Cloning {
                source: source.clone(),
            },
            vec![
                Action::CloneFrom { source },
                Action::StartStandby { upstream },
            ],
        );
    }
    match cluster.initialize.as_deref() {
        None if cluster.leader.is_none() => bootstrap_race(ctx),
        Some("") => Decision::idle(Reason::WaitingForBootstrap),
        _ if ctx.cfg.node.can_clone_without_leader && cluster.leader.is_none() => Decision::act(
            Reason::CloningWithoutLeader,
            vec![
                Action::CloneWithoutLeader,
                Action::StartStandby { upstream: None },
            ],
        ),
        _ => Decision::idle(Reason::WaitingForLeaderToClone),
    }
}

/// Races for `initialize`; the winner runs initdb, takes the leader key and writes the config.
fn bootstrap_race(ctx: &Ctx<'_>) -> Decision {
    let watchdog_unusable = ctx.obs.facts.watchdog_unusable;
    if !ctx.cfg.node.can_bootstrap || ctx.cfg.node.tags.nofailover() || watchdog_unusable {
        return Decision::idle(Reason::CannotBootstrap);
    }
    if let Some(remote) = ctx.dynamic().remote_upstream() {
        return super::standby_cluster::bootstrap_from_remote(ctx, remote);
    }
    Decision::act(
        Reason::Bootstrapping,
        vec![
            Action::AttemptInitialize,
            Action::Bootstrap,
            Action::AcquireLeader,
            Action::WriteConfig {
                value: ctx.dynamic().to_json(),
                condition: Condition::Absent,
            },
        ],
    )
}

/// initdb failed here: remove `initialize` (while it still says "bootstrapping") so another
/// node can try, and do nothing more.
fn bootstrap_failed(ctx: &Ctx<'_>) -> Decision {
    let ours = ctx.cluster.initialize.as_deref() == Some("") && ctx.cluster.leader.is_none();
    let actions = if ours {
        vec![Action::DeleteInitialize]
    } else {
        Vec::new()
    };
    Decision::act(Reason::BootstrapFailed, actions)
}

/// A running member tagged `clonefrom`, other than the leader (first by name).
fn clone_source(ctx: &Ctx<'_>) -> Option<String> {
    let leader = ctx.cluster.leader_name()?;
    ctx.cluster
        .members
        .iter()
        .filter(|m| m.name != leader && m.name != ctx.me() && m.data.tags.clonefrom())
        .find(|m| m.data.state == crate::model::MemberState::Running && m.data.conn_url.is_some())
        .map(|m| m.name.clone())
}

/// Checks the data directory against `initialize`. Returns a decision when the node must not
/// go on: a system id mismatch, or a data directory to adopt into a cluster without one.
pub(super) fn check_system_id(ctx: &Ctx<'_>) -> Option<Decision> {
    let local = ctx.pg.sysid()?;
    match ctx.cluster.initialize.as_deref() {
        Some(cluster) if valid_sysid(cluster) && cluster != local => {
            Some(Decision::idle(Reason::SystemIdMismatch {
                cluster: cluster.to_string(),
                local: local.to_string(),
            }))
        }
        None if ctx.cluster.leader.is_none() && !ctx.dynamic().pause => Some(Decision::act(
            Reason::AdoptingDataDirectory,
            vec![Action::WriteInitialize {
                sysid: local.to_string(),
            }],
        )),
        _ => None,
    }
}

/// A system identifier as PostgreSQL prints it: at least 10 digits. Anything else in
/// `initialize` is invalid and the leader rewrites it.
fn valid_sysid(text: &str) -> bool {
    text.len() >= 10 && text.bytes().all(|b| b.is_ascii_digit())
}
