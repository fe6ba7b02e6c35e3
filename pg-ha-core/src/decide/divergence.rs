//! Has this node's WAL diverged from the leader's timeline? (The rejoin check of spec 2.8,
//! answered from the leader's member key and the `history` key.)

use super::Ctx;
use crate::model::{Member, Role};

/// True when this node's data cannot simply stream from `leader`: it is on a later timeline,
/// or on an earlier one with WAL past the point where that timeline ended. When the history
/// does not tell yet (the new leader has not written it), the node is assumed not diverged:
/// streaming with `recovery_target_timeline = latest` either works or fails harmlessly.
pub(super) fn diverged(ctx: &Ctx<'_>, leader: &Member) -> bool {
    let (Some(mine), Some(theirs)) = (ctx.pg.timeline, leader.data.timeline) else {
        return false;
    };
    if mine == theirs {
        return false;
    }
    if mine > theirs {
        // A leader still on an older timeline that is not yet a primary has won a race and is
        // about to promote above every taken number, this node's included: rewinding onto its
        // old timeline now would move this node back in time for nothing.
        return matches!(leader.data.role, Role::Primary | Role::Promoted);
    }
    let position = ctx.pg.wal_position().map(|l| l.0);
    match ctx.cluster.history.switch_point(mine) {
        Some(switch) => position.is_some_and(|p| p > switch),
        None => false,
    }
}
