//! The server configuration follows the dynamic `postgresql` section: when it differs from
//! the one last applied (a change in the `config` key, the agent's start, a reload of the
//! node's own file), it is applied in this cycle, in every role and in pause too.
//! With permanent logical slots (and `use_slots`), `hot_standby_feedback` is on, as Patroni
//! enforces it: a standby's copy of a logical slot must keep the catalog rows it needs.

use super::context::Ctx;
use super::{Action, Decision};
use crate::config::PostgresqlDynamic;
use crate::postgres::SlotKind;

/// `decision` with [`Action::ApplyConfig`] added when the dynamic `postgresql` section is not
/// the one last applied: before the first PostgreSQL action (a server started or promoted
/// in this cycle runs with it), or last.
pub(super) fn apply_changed_config(mut decision: Decision, ctx: &Ctx<'_>) -> Decision {
    let wanted = &wanted(ctx);
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

/// The dynamic `postgresql` section this node runs with: the `config` key's, with
/// `hot_standby_feedback` on when standbys keep copies of logical slots.
fn wanted(ctx: &Ctx<'_>) -> PostgresqlDynamic {
    let dynamic = ctx.dynamic();
    let mut wanted = dynamic.postgresql.clone();
    let logical = dynamic
        .permanent_slots()
        .iter()
        .any(|s| matches!(s.kind, SlotKind::Logical { .. }));
    if logical && wanted.use_slots {
        wanted
            .parameters
            .insert("hot_standby_feedback".into(), serde_json::Value::Bool(true));
    }
    wanted
}
