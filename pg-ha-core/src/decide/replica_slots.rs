//! Slots on standbys.
//!
//! Logical slots (Patroni 2.1+). PostgreSQL 15 cannot create a logical slot on a standby, so a
//! standby that streams from the leader copies the permanent logical slots the leader
//! publishes in `status.slots` (one restart), then advances its copies to the leader's
//! positions every cycle. After a failover the new primary has the slot, at most one cycle
//! behind its consumer, and the consumer continues. Logical slots that are no longer
//! permanent are dropped from the standby (they would hold back the primary's catalog
//! vacuum through hot_standby_feedback), unless an `ignore_slots` rule matches them.
//!
//! Member slots (Patroni 4, `member_slots_ttl` > 0): a standby that may become primary keeps a
//! physical slot for every other member, advanced to the position of that member's slot on
//! the leader (`status.slots`; the leader's own to its published optime), never past its own
//! replay position. After a failover a
//! lagging member still finds the WAL it needs on the new primary; a slot created only at
//! the promotion would start at the new primary's last checkpoint, and WAL recycled before
//! that is gone for the member (found by the simulator's WAL recycling, seed 3912 of its
//! full space).

use super::{Action, Ctx};
use crate::lsn::Lsn;
use crate::model::Member;
use crate::postgres::{slot_name, ExistingSlot, SlotKind, SlotSpec};

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
    let mut actions = member_slot_actions(ctx, existing);
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

/// The member slots of a standby: create the missing ones, advance them to the leader's,
/// drop those of members gone longer than `member_slots_ttl` (not active, not ignored).
fn member_slot_actions(ctx: &Ctx<'_>, existing: &[ExistingSlot]) -> Vec<Action> {
    if ctx.dynamic().member_slots_ttl.is_zero() || ctx.cfg.node.tags.nofailover() {
        return Vec::new();
    }
    let wanted: Vec<String> = super::slots::retained_members(ctx)
        .iter()
        .map(|m| slot_name(m))
        .collect();
    let physical = |e: &&ExistingSlot| e.kind == SlotKind::Physical;
    let missing: Vec<SlotSpec> = wanted
        .iter()
        .filter(|name| !existing.iter().any(|e| &&e.name == name))
        .map(|name| SlotSpec::physical(name))
        .collect();
    let replayed = ctx.pg.replay_lsn.map_or(0, |l| l.0);
    let published = &ctx.cluster.status.slots;
    // The leader has no slot for itself: its copy follows the leader's own position.
    let leader_slot = ctx.cluster.leader_name().map(slot_name);
    let position_of = |name: &String| match published.get(name) {
        Some(p) => Some(*p),
        None if leader_slot.as_ref() == Some(name) => ctx.cluster.status.optime,
        None => None,
    };
    let behind: Vec<(String, Lsn)> = existing
        .iter()
        .filter(physical)
        .filter(|e| wanted.contains(&e.name))
        .filter_map(|e| {
            let target = position_of(&e.name)?.min(replayed);
            behind_leader(e, target)
        })
        .collect();
    let ignore = ctx.dynamic().ignore_slots();
    let gone: Vec<String> = existing
        .iter()
        .filter(physical)
        .filter(|e| !e.active && !wanted.contains(&e.name) && !is_permanent(ctx, &e.name))
        .filter(|e| !ignore.iter().any(|rule| rule.matches(e)))
        .map(|e| e.name.clone())
        .collect();
    let mut actions = Vec::new();
    if !missing.is_empty() {
        actions.push(Action::CreateSlots(missing));
    }
    if !behind.is_empty() {
        actions.push(Action::AdvanceSlots(behind));
    }
    if !gone.is_empty() {
        actions.push(Action::DropSlots(gone));
    }
    actions
}

fn is_permanent(ctx: &Ctx<'_>, name: &str) -> bool {
    ctx.dynamic()
        .permanent_slots()
        .iter()
        .any(|s| s.name == name)
}

/// `(name, leader's position)` when the standby's copy is behind the leader's slot.
fn behind_leader(slot: &ExistingSlot, leader_position: u64) -> Option<(String, Lsn)> {
    let mine = slot.position.map_or(0, |p| p.0);
    (mine < leader_position).then(|| (slot.name.clone(), Lsn(leader_position)))
}
