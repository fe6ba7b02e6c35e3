//! Agent shutdown (SIGTERM): stop PostgreSQL, then give up the leader key so a replica takes
//! over at once instead of after ttl.

use super::{Action, Ctx, Decision, Reason};
use crate::model::Status;
use crate::postgres::StopMode;

/// Stops PostgreSQL (fast, with a shutdown checkpoint) and releases the leader key if held.
pub(super) fn shutdown(ctx: &Ctx<'_>) -> Decision {
    let mut actions = Vec::new();
    if !ctx.pg_down() {
        actions.push(Action::Stop {
            mode: StopMode::Fast,
        });
    }
    if ctx.i_am_leader() {
        if let Some(lsn) = ctx.pg.wal_position() {
            let status = Status {
                optime: Some(lsn.0),
                ..ctx.cluster.status.clone()
            };
            actions.push(Action::WriteStatus(status));
        }
        actions.push(Action::ReleaseLeader);
    }
    Decision::act(Reason::ShuttingDown, actions)
}
