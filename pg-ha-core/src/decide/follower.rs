//! Another node holds the leader key: demote if primary, then follow it (rewinding or
//! reinitializing first when our WAL diverged).

use super::divergence::diverged;
use super::replica_slots::replica_slot_actions;
use super::{Action, Ctx, Decision, Reason};
use crate::model::Member;
use crate::postgres::{PgRole, ProcessState, StopMode};

/// Decides for a node that does not hold the leader key while another node does.
pub(super) fn follow(ctx: &Ctx<'_>, leader: &str) -> Decision {
    let Some(member) = ctx.member(leader).filter(|m| m.data.conn_url.is_some()) else {
        return follow_unknown_leader(ctx, leader);
    };
    let upstream = upstream_for(ctx, member);
    match (ctx.pg.process, ctx.pg.role) {
        (ProcessState::Running, Some(PgRole::Primary)) => Decision::act(
            Reason::DemotingForLeader {
                leader: leader.to_string(),
            },
            vec![Action::Stop {
                mode: StopMode::Immediate,
            }],
        ),
        (ProcessState::Running, _) => running_standby(ctx, member, upstream),
        (ProcessState::Starting, _) => Decision::idle(Reason::Following {
            leader: leader.to_string(),
        }),
        (ProcessState::Stopped | ProcessState::Crashed, _) => rejoin(ctx, member, upstream),
    }
}

/// The leader's member key is missing: a primary still demotes; a standby keeps running.
fn follow_unknown_leader(ctx: &Ctx<'_>, leader: &str) -> Decision {
    let reason = Reason::DemotingForLeader {
        leader: leader.to_string(),
    };
    if ctx.pg.is_running_primary() {
        return Decision::act(
            reason,
            vec![Action::Stop {
                mode: StopMode::Immediate,
            }],
        );
    }
    if ctx.pg_down() {
        return Decision::act(
            Reason::StartingAsReplica,
            vec![Action::StartStandby { upstream: None }],
        );
    }
    Decision::idle(Reason::Following {
        leader: leader.to_string(),
    })
}

/// The upstream to stream from: the `replicatefrom` member if it runs, else the leader.
fn upstream_for(ctx: &Ctx<'_>, leader: &Member) -> String {
    ctx.cfg
        .node
        .tags
        .replicatefrom()
        .and_then(|name| ctx.member(name))
        .filter(|m| m.name != ctx.me() && m.data.state == crate::model::MemberState::Running)
        .map_or_else(|| leader.name.clone(), |m| m.name.clone())
}

fn running_standby(ctx: &Ctx<'_>, leader: &Member, upstream: String) -> Decision {
    if diverged(ctx, leader) {
        if !can_fix_divergence(ctx) {
            return Decision::idle(Reason::DivergedNeedsManualAction);
        }
        return Decision::act(
            Reason::Rewinding {
                source: leader.name.clone(),
            },
            vec![Action::Stop {
                mode: StopMode::Fast,
            }],
        );
    }
    if let Some(d) = requested(ctx, leader) {
        return d;
    }
    if ctx.pg.upstream.as_deref() != Some(upstream.as_str()) {
        return Decision::act(
            Reason::Repointing {
                leader: upstream.clone(),
            },
            vec![Action::Follow {
                upstream: Some(upstream),
            }],
        );
    }
    Decision::act(
        Reason::Following {
            leader: leader.name.clone(),
        },
        replica_slot_actions(ctx, leader),
    )
}

/// Restart or reinit requested through REST / ctl.
fn requested(ctx: &Ctx<'_>, leader: &Member) -> Option<Decision> {
    match ctx.obs.facts.request.as_ref()? {
        super::LocalRequest::Restart => Some(Decision::act(
            Reason::RestartRequested,
            vec![Action::ClearRequest, Action::Restart],
        )),
        super::LocalRequest::Reinit { .. } => Some(Decision::act(
            Reason::Reinitializing {
                source: leader.name.clone(),
            },
            vec![
                Action::ClearRequest,
                Action::Stop {
                    mode: StopMode::Immediate,
                },
                Action::Reinit {
                    source: leader.name.clone(),
                },
                Action::StartStandby {
                    upstream: Some(leader.name.clone()),
                },
            ],
        )),
        super::LocalRequest::Shutdown => None,
    }
}

/// PostgreSQL is down and another node leads: rewind or reinit if our WAL diverged, then
/// start as its standby.
fn rejoin(ctx: &Ctx<'_>, leader: &Member, upstream: String) -> Decision {
    let source = leader.name.clone();
    let start = Action::StartStandby {
        upstream: Some(upstream),
    };
    if let Some(super::LocalRequest::Reinit { .. }) = ctx.obs.facts.request {
        return Decision::act(
            Reason::Reinitializing {
                source: source.clone(),
            },
            vec![Action::ClearRequest, Action::Reinit { source }, start],
        );
    }
    if !diverged(ctx, leader) {
        return Decision::act(Reason::StartingAsReplica, vec![start]);
    }
    let pg_cfg = &ctx.dynamic().postgresql;
    if !can_fix_divergence(ctx) {
        return Decision::act(Reason::DivergedNeedsManualAction, vec![start]);
    }
    if pg_cfg.use_pg_rewind && !ctx.obs.facts.rewind_failed {
        return Decision::act(
            Reason::Rewinding {
                source: source.clone(),
            },
            vec![Action::Rewind { source }, start],
        );
    }
    Decision::act(
        Reason::Reinitializing {
            source: source.clone(),
        },
        vec![Action::Reinit { source }, start],
    )
}

/// pg_rewind (not yet failed) or wiping the data directory is allowed.
fn can_fix_divergence(ctx: &Ctx<'_>) -> bool {
    let pg_cfg = &ctx.dynamic().postgresql;
    let failed = ctx.obs.facts.rewind_failed;
    (pg_cfg.use_pg_rewind && !failed)
        || pg_cfg.remove_data_directory_on_diverged_timelines
        || (failed && pg_cfg.remove_data_directory_on_rewind_failure)
}
