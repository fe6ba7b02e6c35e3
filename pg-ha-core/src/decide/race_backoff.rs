//! `primary_race_backoff` (Patroni's): with no leader key, a replica whose WAL still
//! advances may be streaming from an old primary that only lost the DCS, so it waits before
//! racing for the key: during the first loop_wait after the key went, and while WAL keeps
//! arriving, up to the backoff. Not in pause, in a standby cluster, or when a failover
//! names a candidate.

use super::Ctx;
use crate::postgres::PgRole;
use crate::time::Mono;

/// When this node may race again, if it must wait now.
pub(super) fn race_backoff(ctx: &Ctx<'_>) -> Option<Mono> {
    let backoff = ctx.dynamic().primary_race_backoff;
    let named = ctx
        .cluster
        .failover_request()
        .is_some_and(|r| r.value.member.is_some());
    let exempt = backoff.is_zero()
        || ctx.dynamic().pause
        || ctx.dynamic().is_standby_cluster()
        || named
        || ctx.pg.role == Some(PgRole::Primary);
    if exempt {
        return None;
    }
    let since = ctx.obs.facts.leaderless_since?;
    let now = ctx.now();
    let end = since + backoff;
    if now >= end {
        return None;
    }
    let loop_wait = ctx.loop_wait();
    let first_loop = now < since + loop_wait;
    let advancing = ctx.pg.streaming
        && ctx
            .obs
            .facts
            .wal_progress
            .is_some_and(|(_, moved)| now < moved + loop_wait);
    (first_loop || advancing).then(|| end.min(now + loop_wait))
}
