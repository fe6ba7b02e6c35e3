//! The `history` key's entries as this node's own WAL tells them: its timeline history file
//! (`pg_wal/<TL>.history`), not the key (which may still hold an announcement of a promotion
//! that happened at a later position, or never).

use super::Ctx;
use crate::model::HistoryEntry;

/// The entries below `timeline` from this node's timeline history file (keeping the
/// timestamps and leaders of matching entries already in the key), and a skipped entry for
/// each lower number the file does not list. `None` when the file is unknown on a timeline
/// above 1. The announcement of the promotion that started `timeline` gets its timestamp:
/// this node runs on that timeline, so the promotion happened (an announcement made before
/// promoting has none; see [`super::Ctx::election_timeline`]).
pub(super) fn lineage(ctx: &Ctx<'_>, timeline: u32) -> Option<Vec<HistoryEntry>> {
    if ctx.pg.timeline_history.is_empty() && timeline > 1 {
        return None;
    }
    let existing = &ctx.cluster.history.0;
    let mut entries: Vec<HistoryEntry> = ctx
        .pg
        .timeline_history
        .iter()
        .filter(|(tl, _)| *tl < timeline)
        .map(|(tl, lsn)| {
            let kept = existing
                .iter()
                .find(|e| e.timeline == *tl && e.switch_lsn == lsn.0);
            let mut entry = kept.cloned().unwrap_or_else(|| HistoryEntry {
                timeline: *tl,
                switch_lsn: lsn.0,
                reason: "no recovery target specified".to_string(),
                timestamp: None,
                new_leader: (*tl + 1 == timeline).then(|| ctx.me().to_string()),
            });
            // Only an announcement names the leader without a timestamp; an old 3-item entry
            // stays as it is.
            if *tl + 1 == timeline && entry.new_leader.is_some() && entry.timestamp.is_none() {
                entry.timestamp = Some(isoformat(ctx.obs.wall));
            }
            entry
        })
        .collect();
    let in_file: Vec<u32> = entries.iter().map(|e| e.timeline).collect();
    for tl in (1..timeline).filter(|tl| !in_file.contains(tl)) {
        let kept = existing
            .iter()
            .find(|e| e.timeline == tl && e.switch_lsn == 0);
        entries.push(kept.cloned().unwrap_or_else(|| skipped_entry(tl, ctx.me())));
    }
    entries.sort_by_key(|e| e.timeline);
    Some(entries)
}

/// The entry of a timeline number that `leader`'s promotion skipped because another branch
/// took it: it ends at LSN 0, so a node found on it has diverged from the cluster's history
/// (it must rewind), and the key's timeline stays that of the newest branch, so no later
/// promotion reuses a number.
pub(super) fn skipped_entry(timeline: u32, leader: &str) -> HistoryEntry {
    HistoryEntry {
        timeline,
        switch_lsn: 0,
        reason: format!("timeline {timeline} skipped: taken by another branch"),
        timestamp: None,
        new_leader: Some(leader.to_string()),
    }
}

/// Wall-clock milliseconds as Patroni writes history timestamps (`2024-05-01T10:00:00.123+00:00`).
fn isoformat(wall_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(wall_ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}
