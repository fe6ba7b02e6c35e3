//! Logical slots on standbys (Patroni 2.1+). PostgreSQL 15 cannot create a logical slot on a
//! standby, so a standby that streams from the leader copies the permanent logical slots the
//! leader publishes in `status.slots` (one restart), then advances its copies to the leader's
//! positions every cycle. After a failover the new primary has the slot, at most one cycle
//! behind its consumer, and the consumer continues. Logical slots that are no longer
//! permanent are dropped from the standby (they would hold back the primary's catalog
//! vacuum through hot_standby_feedback), unless an `ignore_slots` rule matches them.

use super::{Action, Ctx};
use crate::lsn::Lsn;
use crate::model::Member;
use crate::postgres::{ExistingSlot, SlotKind};

/// The slot actions of a running standby that streams from `leader`.
pub(super) fn replica_slot_actions(ctx: &Ctx<'_>, leader: &Member) -> Vec<Action> {
    let Some(existing) = ctx.pg.slots.as_ref() else {
        return Vec::new();
    };
    if !ctx.dynamic().postgresql.use_slots || !ctx.pg.is_running_standby() {
        return Vec::new();
    }
    let wanted: Vec<String> = ctx
        .dynamic()
        .permanent_slots()
        .into_iter()
        .filter(|s| matches!(s.kind, SlotKind::Logical { .. }))
        .map(|s| s.name)
        .collect();
    let published = &ctx.cluster.status.slots;
    let mut actions = Vec::new();
    let missing: Vec<String> = wanted
        .iter()
        .filter(|name| published.contains_key(*name))
        .filter(|name| !existing.iter().any(|e| &&e.name == name))
        .cloned()
        .collect();
    let behind: Vec<(String, Lsn)> = existing
        .iter()
        .filter(|e| wanted.contains(&e.name))
        .filter_map(|e| behind_leader(e, published.get(&e.name).copied()?))
        .collect();
    let ignore = ctx.dynamic().ignore_slots();
    let stale: Vec<String> = existing
        .iter()
        .filter(|e| matches!(e.kind, SlotKind::Logical { .. }) && !wanted.contains(&e.name))
        .filter(|e| !ignore.iter().any(|rule| rule.matches(e)))
        .map(|e| e.name.clone())
        .collect();
    if !stale.is_empty() {
        actions.push(Action::DropSlots(stale));
    }
    if !behind.is_empty() {
        actions.push(Action::AdvanceSlots(behind));
    }
    if !missing.is_empty() && ctx.pg.streaming {
        actions.push(Action::CopyLogicalSlots {
            source: leader.name.clone(),
            slots: missing,
        });
    }
    actions
}

/// `(name, leader's position)` when the standby's copy is behind the leader's slot.
fn behind_leader(slot: &ExistingSlot, leader_position: u64) -> Option<(String, Lsn)> {
    let mine = slot.position.map_or(0, |p| p.0);
    (mine < leader_position).then(|| (slot.name.clone(), Lsn(leader_position)))
}
