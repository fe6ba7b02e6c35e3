//! When the DCS cannot be read or PostgreSQL's state is unknown.

use super::{Action, Decision, Observation, PgView, Reason};
use crate::config::{clean_demotion_lead, HaConfig};
use crate::postgres::StopMode;

/// The DCS cannot be read. A primary keeps running while its lease is valid by its own clock
/// (or every member confirmed it, in failsafe mode), stops cleanly shortly before the lease
/// deadline (so that the standbys get every acknowledged commit), and is stopped at once
/// past it. Other nodes do nothing.
pub(super) fn dcs_unreachable(obs: &Observation, cfg: &HaConfig) -> Decision {
    let primary = matches!(&obs.pg, PgView::Known(pg) if pg.is_running_primary());
    if !primary {
        return Decision::idle(Reason::DcsUnreachableWaiting);
    }
    if cfg.dynamic.pause {
        return Decision::idle(Reason::Paused);
    }
    let Some(deadline) = obs
        .facts
        .lease_deadline(&cfg.dynamic)
        .filter(|d| obs.now < *d)
    else {
        return demote(Reason::DcsUnreachableDemoting, StopMode::Immediate);
    };
    let confirmed = cfg.dynamic.failsafe_mode
        && obs
            .facts
            .failsafe_confirmed_at
            .is_some_and(|t| t + cfg.dynamic.loop_wait >= obs.now);
    let remaining = deadline.since(obs.now);
    let clean_from = deadline - clean_demotion_lead(cfg.dynamic.ttl);
    if confirmed {
        let next = if clean_from > obs.now {
            clean_from
        } else {
            deadline
        };
        Decision::idle(Reason::FailsafeHolding).wake(next)
    } else if obs.now >= clean_from {
        demote(
            Reason::DcsUnreachableDemotingCleanly { remaining },
            StopMode::Fast,
        )
    } else {
        Decision::idle(Reason::DcsUnreachableHoldingLease { remaining }).wake(clean_from)
    }
}

/// Stops PostgreSQL (`mode`) and starts it again read-only, without an upstream.
fn demote(reason: Reason, mode: StopMode) -> Decision {
    Decision::act(
        reason,
        vec![
            Action::Stop { mode },
            Action::StartStandby { upstream: None },
        ],
    )
}

/// PostgreSQL's state could not be learned: keep the lease if held (a hung status query is not
/// proof of a dead server), otherwise wait.
pub(super) fn pg_unknown(obs: &Observation, cfg: &HaConfig) -> Decision {
    let leader = obs
        .dcs
        .cluster()
        .is_some_and(|c| c.is_leader(&cfg.node.name));
    if leader && !cfg.dynamic.pause {
        let PgView::Unknown { since } = obs.pg else {
            return Decision::idle(Reason::PostgresUnknown);
        };
        if obs.now.since(since) >= cfg.dynamic.primary_start_timeout {
            // Stop before releasing: the key may only go once no writes can happen here.
            return Decision::act(
                Reason::PrimaryStartTimedOut,
                vec![
                    Action::Stop {
                        mode: StopMode::Immediate,
                    },
                    Action::ReleaseLeader,
                ],
            );
        }
        return Decision::act(Reason::PostgresUnknown, vec![Action::RenewLeader])
            .wake(since + cfg.dynamic.primary_start_timeout);
    }
    Decision::idle(Reason::PostgresUnknown)
}
