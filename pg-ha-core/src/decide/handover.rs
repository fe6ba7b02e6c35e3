//! Handing the leader key over after a planned stop (a switchover or the agent's shutdown), as
//! Patroni does. PostgreSQL was stopped with a shutdown checkpoint; the position it stopped at
//! is published as the cluster's `optime`, and the key is released only once the candidate
//! (on a shutdown: any replica that may take over) reports WAL up to it, or after a bounded
//! wait. A candidate never promotes after a switchover without that position (see
//! `election.rs`), so the switchover loses no acknowledged commit.

use super::election::may_promote;
use super::{Action, Ctx, Decision, Reason};
use crate::model::Status;
use std::time::Duration;

/// Where the key goes.
#[derive(Debug, Clone, Copy)]
pub(super) enum Handover<'a> {
    /// A switchover to the named candidate, or to the healthiest replica.
    Switchover {
        /// The named candidate.
        candidate: Option<&'a str>,
    },
    /// The agent shuts down: to any replica that may take over.
    Shutdown,
}

impl<'a> Handover<'a> {
    fn candidate(self) -> Option<&'a str> {
        match self {
            Handover::Switchover { candidate } => candidate,
            Handover::Shutdown => None,
        }
    }
}

/// How often the leader asks the replicas again while it waits.
const POLL: Duration = Duration::from_millis(50);

/// The stopped leader's next step: keep the key and wait, or publish the final position and
/// release the key.
pub(super) fn handover(ctx: &Ctx<'_>, to: Handover<'_>) -> Decision {
    let final_lsn = ctx.pg.write_lsn.map(|l| l.0);
    let received = final_lsn.is_none_or(|lsn| target_received(ctx, to.candidate(), lsn));
    let waited = ctx
        .obs
        .facts
        .primary_down_since
        .map_or(Duration::ZERO, |t| ctx.now().since(t));
    if received || !any_target(ctx, to.candidate()) || waited >= max_wait(ctx) {
        return release(ctx, to, final_lsn, received);
    }
    let mut actions = vec![Action::RenewLeader];
    actions.extend(publish_final(ctx, final_lsn));
    Decision::act(
        Reason::HandingOver {
            to: to.candidate().map(str::to_string),
        },
        actions,
    )
    .wake(ctx.now() + POLL)
}

/// The longest the leader keeps the key after its PostgreSQL stopped: loop_wait, at most
/// ttl / 2. (PostgreSQL's own walsenders wait at shutdown until every connected standby has
/// flushed the shutdown checkpoint, so a replica that streamed has it already; the wait
/// covers a replica's report arriving.)
fn max_wait(ctx: &Ctx<'_>) -> Duration {
    ctx.loop_wait().min(ctx.dynamic().ttl / 2)
}

fn release(ctx: &Ctx<'_>, to: Handover<'_>, final_lsn: Option<u64>, received: bool) -> Decision {
    let mut actions: Vec<Action> = publish_final(ctx, final_lsn).into_iter().collect();
    actions.push(Action::ReleaseLeader);
    match to {
        Handover::Shutdown => Decision::act(Reason::ShuttingDown, actions),
        Handover::Switchover { candidate } => {
            actions.push(Action::StartStandby {
                upstream: candidate.map(str::to_string),
            });
            Decision::act(
                Reason::HandedOver {
                    to: candidate.map(str::to_string),
                    received,
                },
                actions,
            )
        }
    }
}

/// Writes the final position as the cluster's optime, unless it is there already.
fn publish_final(ctx: &Ctx<'_>, final_lsn: Option<u64>) -> Option<Action> {
    let lsn = final_lsn?;
    (ctx.cluster.status.optime != Some(lsn)).then(|| {
        Action::WriteStatus(Status {
            optime: Some(lsn),
            timeline: ctx.pg.timeline,
            ..ctx.cluster.status.clone()
        })
    })
}

/// A member that could take over exists (the candidate, when one is named).
fn any_target(ctx: &Ctx<'_>, candidate: Option<&str>) -> bool {
    ctx.failover_targets()
        .any(|m| candidate.is_none_or(|c| c == m.name) && may_promote(ctx, &m.name))
}

/// A replica that could take over (the candidate, when one is named) reports WAL up to `lsn`.
fn target_received(ctx: &Ctx<'_>, candidate: Option<&str>, lsn: u64) -> bool {
    ctx.obs.peers.iter().any(|p| {
        candidate.is_none_or(|c| c == p.name)
            && ctx.failover_targets().any(|m| m.name == p.name)
            && may_promote(ctx, &p.name)
            && p.status.as_ref().is_some_and(|s| {
                !s.is_primary
                    && s.failover_priority > 0
                    && s.wal_position.is_some_and(|w| w.0 >= lsn)
            })
    })
}
