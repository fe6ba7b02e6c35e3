//! `decide`: the pure HA decision function. Observation in, Decision out: no async runtime, no
//! clock read, no randomness, no IO.
//!
//! The rules follow Patroni's HA cycle (spec section 2), one situation per file: bootstrap,
//! leader, follower, election, switchover, sync, pause, DCS outage, shutdown.

mod action;
mod bootstrap;
mod context;
mod decision;
mod divergence;
mod election;
mod failsafe;
mod follower;
mod handover;
mod history;
mod leader;
mod leader_keys;
mod observation;
mod pause;
mod promote;
mod publication;
mod race_backoff;
mod reason;
mod replica_slots;
mod scheduled_restart;
mod server_config;
mod shutdown;
mod slots;
mod standby_cluster;
mod switchover;
mod sync;
mod sync_quorum;
mod unreachable;
mod wake;

pub use action::Action;
pub use decision::Decision;
pub use failsafe::{failsafe_notice_refusal, failsafe_round, failsafe_targets};
pub use observation::{DcsView, Facts, LocalRequest, Observation, PgView};
pub use publication::{publication, Publication};
pub use reason::{Ineligible, Reason};
pub use scheduled_restart::{RestartFilters, ScheduledRestart};
pub use wake::{dcs_change_wakes, next_wake, RETRY_DELAY};

use crate::config::HaConfig;
use crate::postgres::DataDirState;
use context::Ctx;

/// Decides what this node does this cycle.
pub fn decide(obs: &Observation, cfg: &HaConfig) -> Decision {
    if matches!(obs.dcs, DcsView::Unreachable { .. }) {
        if obs.facts.request == Some(LocalRequest::Shutdown) {
            return shutdown_offline(obs);
        }
        return unreachable::dcs_unreachable(obs, cfg);
    }
    let Some(ctx) = Ctx::new(obs, cfg) else {
        return unreachable::pg_unknown(obs, cfg);
    };
    if obs.facts.request == Some(LocalRequest::Shutdown) {
        return shutdown::shutdown(&ctx);
    }
    if ctx.pg.data_dir == DataDirState::Empty {
        return bootstrap::empty_data_dir(&ctx);
    }
    if let Some(decision) = bootstrap::check_system_id(&ctx) {
        return decision;
    }
    server_config::apply_changed_config(decide_in_role(&ctx), &ctx)
}

/// The decision for an initialised data directory of this cluster.
fn decide_in_role(ctx: &Ctx<'_>) -> Decision {
    scheduled_restart::wake_for_restart(ctx, decide_for_role(ctx))
}

fn decide_for_role(ctx: &Ctx<'_>) -> Decision {
    if let Some(decision) = restart_request(ctx) {
        return decision;
    }
    if let Some(decision) = scheduled_restart::due_restart(ctx) {
        return decision;
    }
    if ctx.dynamic().pause {
        return pause::paused(ctx);
    }
    match ctx.cluster.leader_name() {
        Some(leader) if leader == ctx.me() => leader::lead(ctx),
        Some(leader) => follower::follow(ctx, leader),
        None if ctx.cluster.initialize.as_deref() == Some("") && !ctx.pg_running() => {
            Decision::idle(Reason::WaitingForBootstrap)
        }
        None => election::elect(ctx),
    }
}

/// Shutting down without a DCS: stop PostgreSQL; the lease expires by itself.
fn shutdown_offline(obs: &Observation) -> Decision {
    let running = matches!(&obs.pg, PgView::Known(pg) if pg.process != crate::postgres::ProcessState::Stopped);
    let actions = if running {
        vec![Action::Stop {
            mode: crate::postgres::StopMode::Fast,
        }]
    } else {
        Vec::new()
    };
    Decision::act(Reason::ShuttingDown, actions)
}

/// A restart requested through REST or ctl (allowed in pause too). The leader keeps its lease
/// while PostgreSQL restarts. A reinit request on the leader is refused.
fn restart_request(ctx: &Ctx<'_>) -> Option<Decision> {
    match ctx.obs.facts.request.as_ref()? {
        LocalRequest::Restart => {
            let mut actions = vec![Action::ClearRequest];
            if ctx.i_am_leader() {
                actions.insert(0, Action::RenewLeader);
            }
            actions.push(Action::Restart);
            Some(Decision::act(Reason::RestartRequested, actions))
        }
        LocalRequest::Reinit { .. } if ctx.i_am_leader() || ctx.cluster.leader.is_none() => {
            Some(Decision::act(
                Reason::RequestRefused {
                    why: "reinit is refused on the leader and without a leader".into(),
                },
                vec![Action::ClearRequest],
            ))
        }
        _ => None,
    }
}
