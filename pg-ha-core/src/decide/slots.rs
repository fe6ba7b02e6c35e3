//! Replication slots (Patroni's slot management, spec 2.2 step 13). With `use_slots` on, the
//! running primary keeps a physical slot for every other member, including one that left
//! less than `member_slots_ttl` ago, and the permanent `slots` of the dynamic config; it
//! drops the physical slots nobody wants, except active ones and those an `ignore_slots`
//! rule matches. Logical slots are never dropped (a consumer's position cannot be
//! recreated). With `use_slots` off, slots are left alone.

use super::{Action, Ctx};
use crate::postgres::{slot_name, ExistingSlot, SlotKind, SlotSpec};

/// The members (other than this node) whose slots the primary keeps: the current ones and
/// those seen less than `member_slots_ttl` ago, sorted.
pub(super) fn retained_members(ctx: &Ctx<'_>) -> Vec<String> {
    let ttl = ctx.dynamic().member_slots_ttl;
    let mut names: Vec<String> = ctx
        .cluster
        .members
        .iter()
        .map(|m| m.name.clone())
        .chain(
            ctx.obs
                .facts
                .members_seen
                .iter()
                .filter(|(_, seen)| ctx.now().since(**seen) < ttl)
                .map(|(name, _)| name.clone()),
        )
        .filter(|name| name != ctx.me())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The slots the primary should have: member slots, then permanent slots (a permanent slot
/// with a member slot's name is the member's).
fn wanted(ctx: &Ctx<'_>) -> Vec<SlotSpec> {
    let mut slots: Vec<SlotSpec> = retained_members(ctx)
        .iter()
        .map(|m| SlotSpec::physical(&slot_name(m)))
        .collect();
    for permanent in ctx.dynamic().permanent_slots() {
        if !slots.iter().any(|s| s.name == permanent.name) {
            slots.push(permanent);
        }
    }
    slots
}

/// The primary's slot changes, if any: create what is missing, drop the physical slots
/// nobody wants (not active, not ignored).
pub(super) fn slot_actions(ctx: &Ctx<'_>) -> Vec<Action> {
    let Some(existing) = ctx.pg.slots.as_ref() else {
        return Vec::new();
    };
    if !ctx.dynamic().postgresql.use_slots {
        return Vec::new();
    }
    let wanted = wanted(ctx);
    let ignore = ctx.dynamic().ignore_slots();
    let create: Vec<SlotSpec> = wanted
        .iter()
        .filter(|w| !existing.iter().any(|e| e.name == w.name))
        .cloned()
        .collect();
    let drop: Vec<String> = existing
        .iter()
        .filter(|e| unwanted(e, &wanted) && !ignore.iter().any(|rule| rule.matches(e)))
        .map(|e| e.name.clone())
        .collect();
    let mut actions = Vec::new();
    if !create.is_empty() {
        actions.push(Action::CreateSlots(create));
    }
    if !drop.is_empty() {
        actions.push(Action::DropSlots(drop));
    }
    actions
}

/// `status.slots`: the positions of the member and permanent slots on this primary, for
/// the replicas (and Patroni nodes) that keep copies of them; with member slots kept, also
/// this leader's own slot name at its WAL position, as Patroni 4 publishes it (a Patroni
/// replica advances its copy of the leader's slot only from this entry).
pub(super) fn slot_positions(ctx: &Ctx<'_>) -> std::collections::BTreeMap<String, u64> {
    let (Some(existing), true) = (ctx.pg.slots.as_ref(), ctx.dynamic().postgresql.use_slots) else {
        return Default::default();
    };
    let wanted = wanted(ctx);
    let mut positions: std::collections::BTreeMap<String, u64> = existing
        .iter()
        .filter(|e| wanted.iter().any(|w| w.name == e.name))
        .filter_map(|e| Some((e.name.clone(), e.position?.0)))
        .collect();
    if let (Some(lsn), true) = (ctx.pg.write_lsn, keeps_member_slots(ctx)) {
        positions.insert(slot_name(ctx.me()), lsn.0);
    }
    positions
}

/// `status.retain_slots`: the members whose slots the cluster keeps; with member slots kept
/// (`member_slots_ttl` > 0), this leader's own name too, as Patroni 4 publishes it. The
/// node elected after this one then keeps a slot for it even if this node's member key
/// expired before that node's agent (re)started and saw it, so the old primary finds the
/// WAL from its switch point when it comes back (simulation seed 833804 of the full space).
pub(super) fn published_retain_slots(ctx: &Ctx<'_>) -> Vec<String> {
    if !ctx.dynamic().postgresql.use_slots {
        return Vec::new();
    }
    let mut names = retained_members(ctx);
    if keeps_member_slots(ctx) {
        names.push(ctx.me().to_string());
        names.sort();
    }
    names
}

/// Whether members keep slots for each other while absent (Patroni 4's `member_slots_ttl`).
fn keeps_member_slots(ctx: &Ctx<'_>) -> bool {
    !ctx.dynamic().member_slots_ttl.is_zero()
}

fn unwanted(slot: &ExistingSlot, wanted: &[SlotSpec]) -> bool {
    slot.kind == SlotKind::Physical && !slot.active && !wanted.iter().any(|w| w.name == slot.name)
}

/// On a standby about to be promoted: the missing physical slots of the other members, so
/// that they find their slot when they re-point to this node right after it takes the key
/// (a member whose slot is missing retries only after `wal_retrieve_retry_interval`).
pub(super) fn reserve_member_slots(ctx: &Ctx<'_>) -> Vec<Action> {
    let Some(existing) = ctx.pg.slots.as_ref() else {
        return Vec::new();
    };
    if !ctx.dynamic().postgresql.use_slots {
        return Vec::new();
    }
    let missing: Vec<SlotSpec> = ctx
        .cluster
        .members
        .iter()
        .filter(|m| m.name != ctx.me())
        .map(|m| SlotSpec::physical(&slot_name(&m.name)))
        .filter(|w| !existing.iter().any(|e| e.name == w.name))
        .collect();
    if missing.is_empty() {
        Vec::new()
    } else {
        vec![Action::CreateSlots(missing)]
    }
}
