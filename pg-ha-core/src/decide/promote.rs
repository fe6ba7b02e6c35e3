//! The promotion sequence of a node that just acquired (or holds) the leader key while its
//! PostgreSQL is a standby.

use super::history::{lineage, skipped_entry};
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
    let above_timeline = taken_timeline(ctx);
    if let Some(history) = announced_history(ctx, above_timeline) {
        actions.push(Action::WriteHistory(history));
    }
    actions.extend(super::slots::reserve_member_slots(ctx));
    actions.push(Action::Promote { above_timeline });
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
        names.push(crate::postgres::STRICT_PLACEHOLDER.to_string());
    }
    match ctx.sync_mode() {
        SyncMode::Quorum => SyncStandbyNames::Any { count, names },
        _ => SyncStandbyNames::First { count, names },
    }
}

/// The highest timeline number the cluster has seen: the `history` key's (even one announced
/// by a promotion that may not have happened), and any member's published timeline. The
/// new timeline goes above it, so a node still on an older timeline can take over from a
/// new primary that died before anyone followed it, without reusing its number.
fn taken_timeline(ctx: &Ctx<'_>) -> u32 {
    let history = &ctx.cluster.history;
    // This node's own earlier announcement, if it is still on the timeline it announced to
    // end, did not lead to a promotion: only the numbers the history names are taken.
    let own_pending = history
        .0
        .iter()
        .rev()
        .find(|e| e.switch_lsn != 0)
        .is_some_and(|e| {
            e.new_leader.as_deref() == Some(ctx.me()) && Some(e.timeline) == ctx.pg.timeline
        });
    let base = if own_pending {
        history.0.iter().map(|e| e.timeline).max().unwrap_or(1)
    } else {
        history.timeline()
    };
    ctx.reported_timelines().fold(base, u32::max)
}

/// The history with the timeline this node is about to end, written before promoting: the
/// cluster learns of the new timeline before anyone can write on it, so a node cut off right
/// after promoting cannot leave an old primary believing its timeline is still current. When
/// the new timeline skips numbers taken by another branch, each gets an entry of its own
/// (see [`skipped_entry`]). The new leader later rewrites the key from its own timeline
/// history file.
fn announced_history(ctx: &Ctx<'_>, above_timeline: u32) -> Option<History> {
    let timeline = ctx.pg.timeline?;
    let position = ctx.pg.wal_position()?.0;
    // The lineage from this node's own timeline history file: the key may still hold an
    // earlier announcement whose promotion happened at a later position, or never.
    let mut entries = lineage(ctx, timeline).unwrap_or_else(|| {
        ctx.cluster
            .history
            .0
            .iter()
            .filter(|e| e.timeline < timeline)
            .cloned()
            .collect()
    });
    entries.push(HistoryEntry {
        timeline,
        switch_lsn: position,
        reason: "no recovery target specified".to_string(),
        timestamp: None,
        new_leader: Some(ctx.me().to_string()),
    });
    entries.extend((timeline + 1..=above_timeline).map(|tl| skipped_entry(tl, ctx.me())));
    Some(History(entries))
}
