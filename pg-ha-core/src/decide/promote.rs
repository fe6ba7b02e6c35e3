//! The promotion sequence of a node that just acquired (or holds) the leader key while its
//! PostgreSQL is a standby.

use super::{Action, Ctx};
use crate::config::SyncMode;
use crate::model::{Condition, History, HistoryEntry, SyncState};
use crate::postgres::SyncStandbyNames;

/// Actions that promote this node: in synchronous mode first take over the `sync` key (CAS)
/// listing no standbys, so no other node may promote until new standbys are confirmed; then
/// announce the new timeline in `history`; then promote; then set synchronous_standby_names (strict mode keeps writes blocked on the old
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
    if let Some(history) = announced_history(ctx) {
        actions.push(Action::WriteHistory(history));
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

/// The history with the timeline this node is about to end, written before promoting: the
/// cluster learns of the new timeline before anyone can write on it, so a node cut off right
/// after promoting cannot leave an old primary believing its timeline is still current. The
/// new leader later rewrites the entry from its own timeline history file.
fn announced_history(ctx: &Ctx<'_>) -> Option<History> {
    let timeline = ctx.pg.timeline?;
    let position = ctx.pg.wal_position()?.0;
    let mut entries: Vec<HistoryEntry> = ctx
        .cluster
        .history
        .0
        .iter()
        .filter(|e| e.timeline < timeline)
        .cloned()
        .collect();
    entries.push(HistoryEntry {
        timeline,
        switch_lsn: position,
        reason: "no recovery target specified".to_string(),
        timestamp: None,
        new_leader: Some(ctx.me().to_string()),
    });
    Some(History(entries))
}
