//! Scheduled restarts (`POST /restart` with `schedule`, Patroni's `evaluate_scheduled_restart`):
//! run in a cycle of a cluster with a leader, outside pause, once their time has come and if
//! their filters still hold; dropped when found more than 1.5 × loop_wait late.

use super::{Action, Ctx, Decision, Reason};
use crate::member_report::member_data;
use crate::model::Role;
use crate::postgres::PgStatus;
use crate::time::UnixMillis;

/// The filters of a restart request: it runs only if all hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RestartFilters {
    /// The node's role must be this one.
    pub role: Option<Role>,
    /// The running server's `server_version_num` must be lower than this one.
    pub postgres_version: Option<u32>,
    /// A restart must be pending.
    pub restart_pending: bool,
}

impl RestartFilters {
    /// `Ok` when the filters hold for a node in `role` whose server is `pg`; otherwise why
    /// not, in Patroni's words.
    pub fn check(&self, role: Role, pg: Option<&PgStatus>) -> Result<(), &'static str> {
        if self.role.is_some_and(|wanted| wanted != role) {
            return Err("host role mismatch");
        }
        let running = pg.and_then(|p| p.server_version).unwrap_or(0);
        if self
            .postgres_version
            .is_some_and(|wanted| wanted <= running)
        {
            return Err("postgres version mismatch");
        }
        if self.restart_pending && !pg.is_some_and(|p| p.pending_restart) {
            return Err("pending restart flag is not set");
        }
        Ok(())
    }
}

/// A restart to run at a set time.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledRestart {
    /// When (wall clock).
    pub at: UnixMillis,
    /// What must hold then.
    pub filters: RestartFilters,
    /// The value published as the member key's `scheduled_restart`.
    pub published: serde_json::Value,
}

/// The decision for a scheduled restart whose time has come; `None` while it is in the future
/// (the caller wakes at its time) or when none is scheduled.
pub(super) fn due_restart(ctx: &Ctx<'_>) -> Option<Decision> {
    let scheduled = ctx.obs.facts.scheduled_restart.as_ref()?;
    if ctx.dynamic().pause || ctx.cluster.leader.is_none() {
        return None;
    }
    let late_ms = ctx.wall_since(scheduled.at);
    if late_ms < 0 {
        return None;
    }
    let stale_ms = ctx.loop_wait().mul_f64(1.5).as_millis();
    if i128::from(late_ms) > i128::try_from(stale_ms).unwrap_or(i128::MAX) {
        return Some(Decision::act(
            Reason::ScheduledRestartSkipped {
                why: "found more than 1.5 × loop_wait late".into(),
            },
            vec![Action::ClearScheduledRestart],
        ));
    }
    let role = member_data(ctx.cfg, Some(ctx.pg), Some(ctx.cluster)).role;
    if let Err(why) = scheduled.filters.check(role, Some(ctx.pg)) {
        return Some(Decision::act(
            Reason::ScheduledRestartSkipped { why: why.into() },
            vec![Action::ClearScheduledRestart],
        ));
    }
    let mut actions = vec![Action::ClearScheduledRestart, Action::Restart];
    if ctx.i_am_leader() {
        actions.insert(0, Action::RenewLeader);
    }
    Some(Decision::act(Reason::ScheduledRestart, actions))
}

/// The wall-clock wake-up for a scheduled restart still in the future, as local time.
pub(super) fn wake_for_restart(ctx: &Ctx<'_>, decision: Decision) -> Decision {
    let Some(scheduled) = &ctx.obs.facts.scheduled_restart else {
        return decision;
    };
    let ahead_ms = -ctx.wall_since(scheduled.at);
    if ahead_ms <= 0 {
        return decision;
    }
    let at = ctx.now() + std::time::Duration::from_millis(ahead_ms.unsigned_abs());
    decision.wake(at)
}
