//! The promotion sequence of a node that just acquired (or holds) the leader key while its
//! PostgreSQL is a standby.

use super::{Action, Ctx};
use crate::config::SyncMode;
use crate::model::{Condition, SyncState};
use crate::postgres::SyncStandbyNames;

/// Actions that promote this node: in synchronous mode first take over the `sync` key (CAS)
/// listing no standbys, so no other node may promote until new standbys are confirmed; then
/// promote; then set synchronous_standby_names (strict mode keeps writes blocked on the old
/// standbys; otherwise empty until the leader's sync cycle adds confirmed standbys).
pub(super) fn promotion(ctx: &Ctx<'_>) -> Vec<Action> {
    let mut actions = Vec::new();
    let sync_mode = ctx.sync_mode();
    if sync_mode != SyncMode::Off {
        let condition = ctx
            .cluster
            .sync
            .as_ref()
            .map_or(Condition::Absent, |s| Condition::Version(s.version));
        let state = SyncState::new(ctx.me(), &[], 0);
        actions.push(Action::WriteSync { state, condition });
    }
    actions.push(Action::Promote);
    if sync_mode != SyncMode::Off {
        actions.push(Action::SetSyncStandbyNames(promoted_sync_names(ctx)));
    }
    actions
}

fn promoted_sync_names(ctx: &Ctx<'_>) -> SyncStandbyNames {
    if !ctx.dynamic().synchronous_mode_strict {
        return SyncStandbyNames::Off;
    }
    let count = ctx.dynamic().synchronous_node_count;
    let mut names: Vec<String> = ctx
        .cluster
        .sync_state()
        .map(|s| s.value.members())
        .unwrap_or_default()
        .into_iter()
        .filter(|n| !n.eq_ignore_ascii_case(ctx.me()))
        .collect();
    if names.is_empty() {
        names.push(super::sync::STRICT_PLACEHOLDER.to_string());
    }
    match ctx.sync_mode() {
        SyncMode::Quorum => SyncStandbyNames::Any { count, names },
        _ => SyncStandbyNames::First { count, names },
    }
}
