//! This node holds the leader key.

use super::handover::{handover, Handover};
use super::leader_keys::repairs;
use super::promote::promotion;
use super::slots::slot_actions;
use super::standby_cluster::standby_leader;
use super::switchover::{handing_over, switchover};
use super::sync::sync_actions;
use super::{Action, Ctx, Decision, Reason};
use crate::postgres::{DataDirState, PgRole, ProcessState};

/// Decides for the lease holder: renew first, then act on PostgreSQL's state.
pub(super) fn lead(ctx: &Ctx<'_>) -> Decision {
    if let Some(remote) = ctx.dynamic().remote_upstream() {
        return standby_leader(ctx, remote);
    }
    match (ctx.pg.process, ctx.pg.role) {
        (ProcessState::Running, Some(PgRole::Primary)) => running_primary(ctx),
        (ProcessState::Running, _) if ctx.obs.facts.promotion_refused => {
            Decision::act(Reason::PromotionRefused, vec![Action::ReleaseLeader])
        }
        (ProcessState::Running, _) if ctx.obs.facts.watchdog_failed => {
            Decision::act(Reason::WatchdogFailed, vec![Action::ReleaseLeader])
        }
        (ProcessState::Running, _) => match super::election::healthiest(ctx) {
            // The key was taken on a view that may be old by now (a slow DCS read; seed
            // 912452): a standby promotes only if the view of this cycle still lets it.
            Err(why) => Decision::act(Reason::NotHealthiest(why), vec![Action::ReleaseLeader]),
            Ok(()) => {
                let mut actions = vec![Action::RenewLeader];
                actions.extend(promotion(ctx));
                Decision::act(Reason::Promoting, actions)
            }
        },
        (ProcessState::Starting, _) => Decision::act(
            Reason::PrimaryRestarting {
                down_for: down_for(ctx),
            },
            vec![Action::RenewLeader],
        ),
        (ProcessState::Stopped | ProcessState::Crashed, _) => match handing_over(ctx) {
            Some(candidate) => handover(ctx, Handover::Switchover { candidate }),
            None => primary_down(ctx),
        },
    }
}

fn running_primary(ctx: &Ctx<'_>) -> Decision {
    let mut actions = vec![Action::RenewLeader];
    if let Some(decision) = switchover(ctx) {
        let mut all = actions;
        all.extend(decision.actions);
        return Decision {
            actions: all,
            ..decision
        };
    }
    actions.extend(repairs(ctx));
    let sync = sync_actions(ctx);
    let reason = if sync.is_empty() {
        Reason::LeaderRenewed
    } else {
        Reason::SyncUpdate
    };
    actions.extend(sync);
    actions.extend(slot_actions(ctx));
    Decision::act(reason, actions).wake(ctx.now() + ctx.loop_wait())
}

/// The lease holder's PostgreSQL is down: restart it in place within primary_start_timeout;
/// after that, give the lease up if another member can take over.
fn primary_down(ctx: &Ctx<'_>) -> Decision {
    let down = down_for(ctx);
    let timeout = ctx.dynamic().primary_start_timeout;
    let others = ctx
        .failover_targets()
        .any(|m| m.data.state == crate::model::MemberState::Running);
    if down >= timeout && others {
        return Decision::act(Reason::PrimaryStartTimedOut, vec![Action::ReleaseLeader]);
    }
    let standby = matches!(
        ctx.pg.data_dir,
        DataDirState::Initialized {
            standby_signal: true,
            ..
        }
    );
    let start = if standby {
        Action::StartStandby { upstream: None }
    } else {
        Action::StartPrimary
    };
    let mut decision = Decision::act(
        Reason::PrimaryRestarting { down_for: down },
        vec![Action::RenewLeader, start],
    );
    if let Some(since) = ctx.obs.facts.primary_down_since {
        decision = decision.wake(since + timeout);
    }
    decision
}

fn down_for(ctx: &Ctx<'_>) -> std::time::Duration {
    ctx.obs
        .facts
        .primary_down_since
        .map_or(std::time::Duration::ZERO, |t| ctx.now().since(t))
}
