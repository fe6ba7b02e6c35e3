//! Replication slots: the running primary keeps member slots (also of members gone less than
//! member_slots_ttl ago) and permanent slots, drops the physical slots nobody wants unless
//! active or matched by ignore_slots, never drops logical slots, and with use_slots off
//! touches nothing. A standby about to be promoted reserves the member slots first. A
//! standby copies the permanent logical slots, advances its copies and drops stale ones.

use crate::support::{Situation, NOW};
use pg_ha_core::decide::Action;
use pg_ha_core::postgres::{ExistingSlot, SlotKind, SlotSpec};
use serde_json::json;
use std::time::Duration;

fn physical(name: &str, active: bool) -> ExistingSlot {
    ExistingSlot {
        name: name.into(),
        kind: SlotKind::Physical,
        active,
        position: None,
    }
}

fn cdc() -> SlotKind {
    SlotKind::Logical {
        database: "app".into(),
        plugin: "pgoutput".into(),
    }
}

/// node1 leads node2 and node3, with these slots on its server.
fn leader_with(slots: Vec<ExistingSlot>) -> Situation {
    let mut s = Situation::new("node1")
        .three_nodes(Some("node1"), 1000)
        .pg_primary(1000, 1);
    s.pg().slots = Some(slots);
    s
}

fn slot_actions(s: &Situation) -> Vec<Action> {
    s.decide()
        .actions
        .into_iter()
        .filter(|a| matches!(a, Action::CreateSlots(_) | Action::DropSlots(_)))
        .collect()
}

#[test]
fn the_primary_creates_missing_member_and_permanent_slots() {
    let mut s = leader_with(vec![physical("node2", true)]);
    s.cfg.dynamic.slots = serde_json::from_value(json!({
        "archiver": null,
        "cdc": {"type": "logical", "database": "app", "plugin": "pgoutput"},
    }))
    .expect("slots");
    assert_eq!(
        slot_actions(&s),
        vec![Action::CreateSlots(vec![
            SlotSpec::physical("node3"),
            SlotSpec::physical("archiver"),
            SlotSpec {
                name: "cdc".into(),
                kind: cdc()
            },
        ])]
    );
}

#[test]
fn nothing_to_do_when_the_slots_match() {
    let s = leader_with(vec![physical("node2", true), physical("node3", false)]);
    assert_eq!(slot_actions(&s), vec![]);
}

#[test]
fn a_departed_members_slot_is_kept_for_member_slots_ttl_then_dropped() {
    let mut s = leader_with(vec![
        physical("node2", true),
        physical("node3", true),
        physical("node4", false),
    ]);
    s.cfg.dynamic.member_slots_ttl = Duration::from_secs(300);
    s.obs
        .facts
        .members_seen
        .insert("node4".into(), NOW - Duration::from_secs(290));
    assert_eq!(slot_actions(&s), vec![], "node4 left 290 s ago: kept");
    s.obs
        .facts
        .members_seen
        .insert("node4".into(), NOW - Duration::from_secs(310));
    assert_eq!(
        slot_actions(&s),
        vec![Action::DropSlots(vec!["node4".into()])]
    );
}

#[test]
fn unknown_physical_slots_are_dropped_unless_an_ignore_rule_matches() {
    let mut s = leader_with(vec![
        physical("backup_tool", false),
        physical("node2", true),
        physical("node3", true),
    ]);
    assert_eq!(
        slot_actions(&s),
        vec![Action::DropSlots(vec!["backup_tool".into()])],
        "as on Patroni, a slot nobody declared goes"
    );
    s.cfg.dynamic.extra.insert(
        "ignore_slots".into(),
        json!([{"name": "backup_tool", "type": "physical"}]),
    );
    assert_eq!(slot_actions(&s), vec![]);
}

#[test]
fn active_and_logical_slots_are_never_dropped() {
    let s = leader_with(vec![
        physical("node2", true),
        physical("node3", true),
        physical("pg_receivewal", true),
        ExistingSlot {
            name: "debezium".into(),
            kind: cdc(),
            active: false,
            position: None,
        },
    ]);
    assert_eq!(slot_actions(&s), vec![]);
}

#[test]
fn with_use_slots_off_slots_are_left_alone() {
    let mut s = leader_with(vec![physical("backup_tool", false)]);
    s.cfg.dynamic.postgresql.use_slots = false;
    assert_eq!(slot_actions(&s), vec![]);
}

#[test]
fn the_leader_publishes_the_members_whose_slots_it_keeps() {
    let mut s = leader_with(vec![]);
    s.obs
        .facts
        .members_seen
        .insert("node4".into(), NOW - Duration::from_secs(60));
    let status = s.decide().actions.into_iter().find_map(|a| match a {
        Action::WriteStatus(status) => Some(status),
        _ => None,
    });
    let status = status.expect("status rewritten: node4 joined retain_slots");
    assert_eq!(
        status.retain_slots,
        vec!["node1", "node2", "node3", "node4"]
    );
}

fn written_status(s: &Situation) -> Option<pg_ha_core::model::Status> {
    s.decide().actions.into_iter().find_map(|a| match a {
        Action::WriteStatus(status) => Some(status),
        _ => None,
    })
}

/// As Patroni 4, the leader lists its own slot in `retain_slots` and at its WAL position
/// in `slots`: the node elected after it keeps a slot for it even when it never saw this
/// node's member key, and Patroni replicas advance their copy of the leader's slot
/// (simulation seed 833804: the new leader's agent had restarted after the old leader's
/// member key expired, dropped the old leader's slot, and the old leader never streamed
/// again). With `member_slots_ttl` 0, members keep no slots for each other: neither.
#[test]
fn the_leader_lists_its_own_slot_when_members_keep_slots_for_each_other() {
    let mut s = leader_with(vec![]).pg_primary(1500, 1);
    s.pg().slots = Some(vec![]);
    let status = written_status(&s).expect("a new optime: the status is written");
    assert_eq!(status.retain_slots, vec!["node1", "node2", "node3"]);
    assert_eq!(status.slots.get("node1"), Some(&1500));

    s.cfg.dynamic.member_slots_ttl = Duration::ZERO;
    let status = written_status(&s).expect("a new optime: the status is written");
    assert_eq!(status.retain_slots, vec!["node2", "node3"]);
    assert_eq!(status.slots.get("node1"), None);
}

#[test]
fn a_standby_reserves_member_slots_before_it_promotes() {
    let mut s = Situation::new("node2")
        .three_nodes(None, 1000)
        .pg_standby(1000, 1, Some("node1"));
    s.obs.facts.last_leader = Some("node1".into());
    s.pg().slots = Some(vec![physical("node3", false)]);
    let d = s
        .peer("node1", false, 900, 1)
        .peer("node3", false, 900, 1)
        .decide();
    let reserve = d
        .actions
        .iter()
        .position(|a| matches!(a, Action::CreateSlots(_)))
        .expect("slots reserved");
    let promote = d
        .actions
        .iter()
        .position(|a| matches!(a, Action::Promote { .. }))
        .expect("promotes");
    assert!(reserve < promote, "{:?}", d.actions);
    assert_eq!(
        d.actions[reserve],
        Action::CreateSlots(vec![SlotSpec::physical("node1")])
    );
}

#[test]
fn a_failed_slot_change_does_not_stop_what_follows() {
    assert!(!Action::CreateSlots(vec![]).stops_on_failure());
    assert!(!Action::DropSlots(vec![]).stops_on_failure());
    assert!(Action::Promote { above_timeline: 1 }.stops_on_failure());
}

#[test]
fn the_primary_publishes_member_and_permanent_slot_positions_in_status() {
    let at = |name: &str, lsn: u64| ExistingSlot {
        position: Some(pg_ha_core::lsn::Lsn(lsn)),
        ..physical(name, true)
    };
    let mut s = leader_with(vec![
        at("node2", 900),
        at("node3", 800),
        at("archiver", 700),
        at("backup_tool", 600),
    ]);
    s.cfg.dynamic.slots = serde_json::from_value(json!({"archiver": null})).expect("slots");
    let status = s
        .decide()
        .actions
        .into_iter()
        .find_map(|a| match a {
            Action::WriteStatus(status) => Some(status),
            _ => None,
        })
        .expect("the status is written");
    let published: Vec<(&str, u64)> = status.slots.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        published,
        [
            ("archiver", 700),
            ("node1", 1000),
            ("node2", 900),
            ("node3", 800)
        ]
    );
}

/// node2 streams from the leader node1, which publishes `published` in `status.slots`;
/// `cdc` is a permanent logical slot. No member slots (`member_slots_ttl` 0): these tests are
/// about the logical copies.
fn standby_with(slots: Vec<ExistingSlot>, published: &[(&str, u64)]) -> Situation {
    let mut s = member_slots_standby(slots, published);
    s.cfg.dynamic.member_slots_ttl = Duration::ZERO;
    s
}

/// [`standby_with`] with Patroni's default `member_slots_ttl` (30 min).
fn member_slots_standby(slots: Vec<ExistingSlot>, published: &[(&str, u64)]) -> Situation {
    let mut s = Situation::new("node2")
        .three_nodes(Some("node1"), 1000)
        .pg_standby(1000, 1, Some("node1"));
    s.cfg.dynamic.slots = serde_json::from_value(json!({
        "cdc": {"type": "logical", "database": "app", "plugin": "pgoutput"},
    }))
    .expect("slots");
    s.pg().slots = Some(slots);
    for (name, lsn) in published {
        s.cluster().status.slots.insert(name.to_string(), *lsn);
    }
    s
}

fn logical(name: &str, position: u64) -> ExistingSlot {
    ExistingSlot {
        name: name.into(),
        kind: cdc(),
        active: false,
        position: Some(pg_ha_core::Lsn(position)),
    }
}

fn replica_slot_actions(s: &Situation) -> Vec<Action> {
    s.decide()
        .actions
        .into_iter()
        .filter(|a| !matches!(a, Action::ApplyConfig(_)))
        .collect()
}

#[test]
fn a_standby_copies_the_leaders_permanent_logical_slot() {
    let s = standby_with(vec![], &[("cdc", 900)]);
    assert_eq!(
        replica_slot_actions(&s),
        vec![Action::CopyLogicalSlots {
            source: "node1".into(),
            slots: vec!["cdc".into()],
        }]
    );
}

#[test]
fn no_copy_before_the_leader_publishes_the_slot_or_while_not_streaming() {
    let s = standby_with(vec![], &[]);
    assert_eq!(replica_slot_actions(&s), vec![]);
    let mut s = standby_with(vec![], &[("cdc", 900)]);
    s.pg().streaming = false;
    assert_eq!(replica_slot_actions(&s), vec![]);
}

#[test]
fn a_standbys_copy_follows_the_leaders_position() {
    let s = standby_with(vec![logical("cdc", 700)], &[("cdc", 900)]);
    assert_eq!(
        replica_slot_actions(&s),
        vec![Action::AdvanceSlots(vec![(
            "cdc".into(),
            pg_ha_core::Lsn(900)
        )])]
    );
    let s = standby_with(vec![logical("cdc", 900)], &[("cdc", 900)]);
    assert_eq!(replica_slot_actions(&s), vec![]);
}

#[test]
fn a_standby_drops_logical_copies_no_longer_permanent_unless_ignored() {
    let mut s = standby_with(
        vec![logical("cdc", 900), logical("old", 5), logical("kept", 5)],
        &[("cdc", 900)],
    );
    s.cfg
        .dynamic
        .extra
        .insert("ignore_slots".into(), json!([{"name": "kept"}]));
    assert_eq!(
        replica_slot_actions(&s),
        vec![Action::DropSlots(vec!["old".into()])]
    );
}

#[test]
fn a_standby_leaves_slots_alone_with_use_slots_off() {
    let mut s = standby_with(vec![logical("old", 5)], &[("cdc", 900)]);
    s.cfg.dynamic.postgresql.use_slots = false;
    assert_eq!(replica_slot_actions(&s), vec![]);
}

#[test]
fn logical_permanent_slots_turn_hot_standby_feedback_on() {
    let s = standby_with(vec![], &[]);
    let applied = s.decide().actions.into_iter().find_map(|a| match a {
        Action::ApplyConfig(config) => Some(config),
        _ => None,
    });
    let applied = applied.expect("the configuration is applied");
    assert_eq!(
        applied.parameters.get("hot_standby_feedback"),
        Some(&json!(true))
    );
}

fn physical_at(name: &str, position: u64) -> ExistingSlot {
    ExistingSlot {
        name: name.into(),
        kind: SlotKind::Physical,
        active: false,
        position: Some(pg_ha_core::Lsn(position)),
    }
}

/// Patroni 4: a standby keeps a physical slot for every other member (the leader included),
/// so that a member lagging behind finds its WAL on this node if it becomes primary.
#[test]
fn a_standby_keeps_a_slot_for_every_other_member() {
    let s = member_slots_standby(vec![], &[]);
    assert_eq!(
        replica_slot_actions(&s),
        vec![Action::CreateSlots(vec![
            SlotSpec::physical("node1"),
            SlotSpec::physical("node3"),
        ])]
    );
    // Not on a node that may never lead, nor with member_slots_ttl 0.
    let s = member_slots_standby(vec![], &[]).tag("nofailover", true.into());
    assert_eq!(replica_slot_actions(&s), vec![]);
}

/// The copies follow the leader's slots of those members, never past this node's replay
/// position; a slot of a member gone past member_slots_ttl is dropped.
#[test]
fn a_standbys_member_slots_follow_the_leaders_up_to_its_replay_position() {
    let mut s = member_slots_standby(
        vec![
            physical_at("node1", 100),
            physical_at("node3", 500),
            physical_at("node9", 5),
        ],
        &[("node3", 800)],
    );
    s.pg().replay_lsn = Some(pg_ha_core::Lsn(1000));
    // The leader's own slot follows its optime (1000).
    let lsn = pg_ha_core::Lsn;
    assert_eq!(
        replica_slot_actions(&s),
        vec![
            Action::AdvanceSlots(vec![
                ("node1".into(), lsn(1000)),
                ("node3".into(), lsn(800))
            ]),
            Action::DropSlots(vec!["node9".into()]),
        ]
    );
    s.pg().replay_lsn = Some(lsn(700));
    let advanced = replica_slot_actions(&s);
    assert_eq!(
        advanced[0],
        Action::AdvanceSlots(vec![("node1".into(), lsn(700)), ("node3".into(), lsn(700))]),
        "not past its own replay position"
    );
}
