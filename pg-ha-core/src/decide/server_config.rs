//! The server configuration follows the dynamic `postgresql` section: when it differs from
//! the one last applied (a change in the `config` key, the agent's start, a reload of the
//! node's own file), it is applied in this cycle, in every role and in pause too.

use super::context::Ctx;
use super::{Action, Decision};

/// `decision` with [`Action::ApplyConfig`] added when the dynamic `postgresql` section is not
/// the one last applied: before the first PostgreSQL action (a server started or promoted
/// in this cycle runs with it), or last.
pub(super) fn apply_changed_config(mut decision: Decision, ctx: &Ctx<'_>) -> Decision {
    let wanted = &ctx.dynamic().postgresql;
    if ctx.obs.facts.applied_postgresql.as_ref() == Some(wanted) {
        return decision;
    }
    let at = decision
        .actions
        .iter()
        .position(Action::is_postgres)
        .unwrap_or(decision.actions.len());
    decision
        .actions
        .insert(at, Action::ApplyConfig(wanted.clone()));
    decision
}
