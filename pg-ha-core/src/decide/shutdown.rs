//! Agent shutdown (SIGTERM): stop PostgreSQL with a shutdown checkpoint; a leader then hands
//! the key over (`handover.rs`) so that a replica with everything it acknowledged takes over
//! at once instead of after ttl.

use super::handover::{handover, Handover};
use super::{Action, Ctx, Decision, Reason};

/// Stops PostgreSQL (fast, with a shutdown checkpoint); the leader keeps its key until a
/// replica that may take over reports that checkpoint, bounded.
pub(super) fn shutdown(ctx: &Ctx<'_>) -> Decision {
    let stop = Action::Stop {
        mode: ctx.primary_stop(),
    };
    if !ctx.i_am_leader() {
        let actions = if ctx.pg_down() {
            Vec::new()
        } else {
            vec![stop]
        };
        return Decision::act(Reason::ShuttingDown, actions);
    }
    if !ctx.pg_down() {
        return Decision::act(
            Reason::HandingOver { to: None },
            vec![Action::RenewLeader, stop],
        )
        .wake(ctx.now());
    }
    handover(ctx, Handover::Shutdown)
}
