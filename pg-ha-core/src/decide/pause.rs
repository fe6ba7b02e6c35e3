//! Pause (maintenance) mode: no automatic promote, demote, start or stop; the leader keeps its
//! key only while primary; a switchover or failover to a named candidate is still allowed.

use super::handover::{handover, Handover};
use super::promote::promotion;
use super::switchover::{handing_over, switchover};
use super::{Action, Ctx, Decision, Reason};
use crate::model::Condition;
use crate::postgres::PgRole;

/// Decides while the cluster is paused.
pub(super) fn paused(ctx: &Ctx<'_>) -> Decision {
    if ctx.i_am_leader() {
        return paused_leader(ctx);
    }
    if ctx.cluster.leader.is_some() {
        return Decision::idle(Reason::Paused);
    }
    let named_me = ctx
        .cluster
        .failover_request()
        .is_some_and(|r| r.value.member.as_deref() == Some(ctx.me()));
    if ctx.pg.is_running_primary() && own_cluster(ctx) {
        return Decision::act(Reason::Paused, vec![Action::AcquireLeader]);
    }
    if named_me && ctx.pg.is_running_standby() {
        let mut actions = vec![
            Action::AcquireLeader,
            Action::ClearFailover {
                condition: Condition::Any,
            },
        ];
        actions.extend(promotion(ctx));
        return Decision::act(Reason::Promoting, actions);
    }
    Decision::idle(Reason::Paused)
}

fn paused_leader(ctx: &Ctx<'_>) -> Decision {
    if ctx.pg_running() && ctx.pg.role == Some(PgRole::Primary) {
        if let Some(decision) = switchover(ctx) {
            let mut actions = vec![Action::RenewLeader];
            actions.extend(decision.actions);
            return Decision {
                actions,
                ..decision
            };
        }
        return Decision::act(Reason::Paused, vec![Action::RenewLeader]);
    }
    if let Some(candidate) = handing_over(ctx) {
        return handover(ctx, Handover::Switchover { candidate });
    }
    let named_me = ctx
        .cluster
        .failover_request()
        .is_some_and(|r| r.value.member.as_deref() == Some(ctx.me()));
    if named_me {
        return Decision::act(Reason::Paused, vec![Action::RenewLeader]);
    }
    Decision::act(Reason::Paused, vec![Action::ReleaseLeader])
}

/// The running primary belongs to this cluster (`initialize` empty or equal to its sysid).
fn own_cluster(ctx: &Ctx<'_>) -> bool {
    match (ctx.cluster.initialize.as_deref(), ctx.pg.sysid()) {
        (None | Some(""), _) => true,
        (Some(cluster), Some(local)) => cluster == local,
        (Some(_), None) => false,
    }
}
