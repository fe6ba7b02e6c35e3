//! The cluster keys a leader keeps right every cycle: `initialize`, `config`, `status`
//! (optime, slots), `history` and `failsafe`.

use super::history::lineage;
use super::slots::{published_retain_slots, slot_positions};
use super::{Action, Ctx};
use crate::model::{Condition, Failsafe, History, HistoryEntry, Status};

/// Keeps `initialize`, `config`, `status`, `history` and `failsafe` right.
pub(super) fn repairs(ctx: &Ctx<'_>) -> Vec<Action> {
    let mut actions = key_repairs(ctx);
    if let Some(history) = history_update(ctx) {
        actions.push(Action::WriteHistory(history));
    }
    actions.extend(status_and_failsafe(ctx));
    actions
}

/// Keeps `initialize` (the system id) and `config` right.
pub(super) fn key_repairs(ctx: &Ctx<'_>) -> Vec<Action> {
    let mut actions = Vec::new();
    if let Some(sysid) = ctx.pg.sysid() {
        if ctx.cluster.initialize.as_deref() != Some(sysid) {
            actions.push(Action::WriteInitialize {
                sysid: sysid.to_string(),
            });
        }
    }
    if ctx.cluster.config.is_none() {
        actions.push(Action::WriteConfig {
            value: ctx.dynamic().to_json(),
            condition: Condition::Any,
        });
    }
    actions
}

/// Keeps `status` (optime, slots) and `failsafe` right.
fn status_and_failsafe(ctx: &Ctx<'_>) -> Vec<Action> {
    let mut actions = Vec::new();
    if let Some(lsn) = ctx.pg.write_lsn {
        let retain_slots = published_retain_slots(ctx);
        let slots = slot_positions(ctx);
        let status = &ctx.cluster.status;
        let changed = status.optime != Some(lsn.0)
            || status.timeline != ctx.pg.timeline
            || status.retain_slots != retain_slots
            || (ctx.pg.slots.is_some() && status.slots != slots);
        if changed {
            let slots = match ctx.pg.slots {
                Some(_) => slots,
                None => status.slots.clone(),
            };
            actions.push(Action::WriteStatus(Status {
                optime: Some(lsn.0),
                slots,
                retain_slots,
                timeline: ctx.pg.timeline,
            }));
        }
    }
    if ctx.dynamic().failsafe_mode {
        let map = failsafe_map(ctx);
        if ctx.cluster.failsafe.as_ref() != Some(&map) {
            actions.push(Action::WriteFailsafe(map));
        }
    }
    actions
}

/// The history the cluster should show: rebuilt from the primary's own timeline history
/// file (keeping timestamps of entries already in the key), plus an entry for each number
/// the promotion skipped, when the key differs from it.
fn history_update(ctx: &Ctx<'_>) -> Option<History> {
    let timeline = ctx.pg.timeline?;
    if ctx.pg.timeline_history.is_empty() {
        return None;
    }
    let existing = &ctx.cluster.history.0;
    let mut entries = lineage(ctx, timeline)?;
    let max = ctx.dynamic().max_timelines_history as usize;
    if max > 0 && entries.len() > max {
        entries.drain(..entries.len() - max);
    }
    let same = |a: &[HistoryEntry], b: &[HistoryEntry]| {
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| {
                x.timeline == y.timeline
                    && x.switch_lsn == y.switch_lsn
                    && x.timestamp.is_some() == y.timestamp.is_some()
            })
    };
    (!same(&entries, existing)).then_some(History(entries))
}

fn failsafe_map(ctx: &Ctx<'_>) -> Failsafe {
    let mut map = Failsafe::default();
    for m in &ctx.cluster.members {
        if let Some(api) = &m.data.api_url {
            map.0.insert(m.name.clone(), api.clone());
        }
    }
    map.0
        .insert(ctx.me().to_string(), ctx.cfg.node.api_url.clone());
    map
}
