//! Manual switchover / failover requests, as seen by the leader (spec 2.7).

use super::{Action, Ctx, Decision, Reason};
use crate::config::SyncMode;
use crate::model::{Condition, Failover, Versioned};
use crate::peers::PeerReport;
use crate::postgres::DataDirState;

/// The leader's answer to a `failover` key, or `None` when there is no request to act on now.
/// The returned actions come after the lease renewal.
pub(super) fn switchover(ctx: &Ctx<'_>) -> Option<Decision> {
    let request = ctx.cluster.failover_request()?;
    let clear = Action::ClearFailover {
        condition: Condition::Version(request.version),
    };
    if let Some(at) = request.value.scheduled_at_millis() {
        let late = ctx.wall_since(at);
        let loop_wait = ctx.loop_wait().as_millis() as i64;
        if late < 0 {
            let wake = ctx.now() + std::time::Duration::from_millis((-late) as u64);
            return Some(Decision::idle(Reason::SwitchoverScheduled { in_ms: -late }).wake(wake));
        }
        if late > loop_wait * 3 / 2 {
            return Some(reject(clear, "the scheduled time is too far in the past"));
        }
    } else if request.value.scheduled_at.is_some() {
        return Some(reject(clear, "unparseable scheduled_at"));
    }
    let me = ctx.me();
    let from_me = request.value.leader.as_deref().is_none_or(|l| l == me);
    let candidate = request.value.member.as_deref();
    if !from_me || candidate == Some(me) {
        return Some(reject(
            clear,
            "the request does not move leadership away from this leader",
        ));
    }
    if ctx.dynamic().pause && candidate.is_none() {
        return Some(reject(clear, "switchover in pause needs a named candidate"));
    }
    match takeover_possible(ctx, request) {
        Ok(()) => Some(demote_gracefully(ctx, candidate)),
        Err(why) => Some(reject(clear, &why)),
    }
}

fn reject(clear: Action, why: &str) -> Decision {
    Decision::act(
        Reason::FailoverRejected {
            why: why.to_string(),
        },
        vec![clear],
    )
}

/// Patroni's `is_failover_possible`: a named candidate, or at least one other member, that is
/// eligible and answered healthy. In synchronous mode only sync standbys count.
fn takeover_possible(ctx: &Ctx<'_>, request: &Versioned<Failover>) -> Result<(), String> {
    let candidate = request.value.member.as_deref();
    if let Some(name) = candidate {
        if ctx.member(name).is_none() {
            return Err(format!("candidate {name} does not exist"));
        }
    }
    let sync = ctx
        .cluster
        .sync_state()
        .filter(|_| ctx.sync_mode() == SyncMode::On);
    let max_lag = ctx.dynamic().maximum_lag_on_failover;
    let my_lsn = ctx.pg.write_lsn.map_or(0, |l| l.0);
    let my_timeline = ctx.pg.timeline;
    let healthy = ctx
        .failover_targets()
        .filter(|m| candidate.is_none_or(|c| c == m.name))
        .filter(|m| sync.is_none_or(|s| s.value.has_standby(&m.name)))
        .filter(|m| peer_ok(&ctx.obs.peers, &m.name, (my_timeline, my_lsn), max_lag))
        .count();
    if healthy > 0 {
        Ok(())
    } else if candidate.is_some() {
        Err("the candidate is not healthy".to_string())
    } else {
        Err("no healthy members found".to_string())
    }
}

/// The peer answered, is a replica that may fail over, is on the leader's timeline and within
/// maximum_lag_on_failover of the leader.
fn peer_ok(peers: &[PeerReport], name: &str, leader: (Option<u32>, u64), max_lag: u64) -> bool {
    let (timeline, lsn) = leader;
    peers.iter().any(|p| {
        p.name == name
            && p.status.as_ref().is_some_and(|s| {
                !s.is_primary
                    && s.failover_priority > 0
                    && !s.watchdog_failed
                    && (timeline.is_none() || s.timeline.is_none() || s.timeline == timeline)
                    && s.wal_position
                        .is_some_and(|w| lsn.saturating_sub(w.0) <= max_lag)
            })
    })
}

/// Stop with a shutdown checkpoint (no writes after this); the next cycles hand the key over
/// (`handover.rs`) and come back as a standby of the candidate.
fn demote_gracefully(ctx: &Ctx<'_>, candidate: Option<&str>) -> Decision {
    let actions = vec![Action::Stop {
        mode: ctx.primary_stop(),
    }];
    Decision::act(
        Reason::SwitchingOver {
            candidate: candidate.map(str::to_string),
        },
        actions,
    )
    .wake(ctx.now())
}

/// While this leader's PostgreSQL is stopped cleanly and a due request moves leadership
/// away from it: the switchover's candidate (`Some(None)`: no named candidate).
pub(super) fn handing_over<'a>(ctx: &Ctx<'a>) -> Option<Option<&'a str>> {
    let clean = matches!(
        ctx.pg.data_dir,
        DataDirState::Initialized {
            clean_shutdown: true,
            ..
        }
    );
    if !clean || !ctx.pg_down() {
        return None;
    }
    let request: &'a Versioned<Failover> = ctx.cluster.failover_request()?;
    let due = match (
        &request.value.scheduled_at,
        request.value.scheduled_at_millis(),
    ) {
        (None, _) => true,
        (Some(_), Some(at)) => ctx.wall_since(at) >= 0,
        (Some(_), None) => false,
    };
    let me = ctx.me();
    let from_me = request.value.leader.as_deref().is_none_or(|l| l == me);
    let candidate = request.value.member.as_deref();
    (due && from_me && candidate != Some(me)).then_some(candidate)
}
