//! Standby clusters: the lock holder is the standby leader and follows the remote (never
//! promotes); a running primary under `standby_cluster` is demoted to it (demote-cluster);
//! the section removed, it promotes (promote-cluster); the bootstrap clones the remote; the
//! election winner follows the remote.

use crate::support::Situation;
use pg_ha_core::config::StandbyCluster;
use pg_ha_core::decide::{Action, Reason};
use pg_ha_core::postgres::{ProcessState, StopMode, Upstream};
use serde_json::json;

fn section() -> StandbyCluster {
    serde_json::from_value(json!({
        "host": "10.0.0.9", "port": 5433, "primary_slot_name": "dr",
        "restore_command": "cp /archive/%f %p", "recovery_min_apply_delay": "5min",
        "create_replica_methods": ["wal_g", "basebackup"],
    }))
    .expect("standby_cluster")
}

fn remote() -> Upstream {
    section().upstream()
}

fn in_standby_cluster(mut s: Situation) -> Situation {
    s.cfg.dynamic.standby_cluster = Some(section());
    s
}

fn pg_actions(s: &Situation) -> Vec<Action> {
    s.decide()
        .actions
        .into_iter()
        .filter(|a| !matches!(a, Action::ApplyConfig(_) | Action::WriteInitialize { .. }))
        .collect()
}

#[test]
fn the_remote_is_streamed_through_its_slot_with_the_sections_recovery_settings() {
    let up = remote();
    assert_eq!(up.name, "remote 10.0.0.9:5433");
    assert_eq!(up.conn_url, "postgres://10.0.0.9:5433/postgres");
    let settings = up.remote.expect("a remote");
    assert_eq!(settings.slot.as_deref(), Some("dr"));
    assert_eq!(settings.recovery["restore_command"], "cp /archive/%f %p");
    assert_eq!(settings.recovery["recovery_min_apply_delay"], "5min");
    assert_eq!(settings.methods, ["wal_g", "basebackup"]);
    let archive: StandbyCluster =
        serde_json::from_value(json!({"restore_command": "cp /a/%f %p"})).expect("section");
    assert_eq!(archive.upstream().conn_url, "");
}

#[test]
fn the_standby_leader_points_its_standby_at_the_remote() {
    let s = in_standby_cluster(
        Situation::new("node1")
            .three_nodes(Some("node1"), 1000)
            .pg_standby(1000, 1, None),
    );
    let d = s.decide();
    assert_eq!(d.reason, Reason::StandbyLeader);
    assert_eq!(
        pg_actions(&s),
        vec![Action::RenewLeader, Action::FollowRemote(remote())]
    );
}

#[test]
fn the_standby_leader_following_the_remote_only_renews_and_keeps_member_slots() {
    let mut s = in_standby_cluster(
        Situation::new("node1")
            .three_nodes(Some("node1"), 1000)
            .pg_standby(1000, 1, Some("remote 10.0.0.9:5433")),
    );
    s.pg().slots = Some(vec![]);
    let actions = pg_actions(&s);
    assert_eq!(actions[0], Action::RenewLeader);
    assert!(
        matches!(&actions[1..], [Action::CreateSlots(slots)] if slots.len() == 2),
        "{actions:?}"
    );
    assert!(!actions.iter().any(|a| matches!(a, Action::Promote { .. })));
}

#[test]
fn demote_cluster_turns_the_primary_into_a_standby_of_the_remote() {
    let s = in_standby_cluster(
        Situation::new("node1")
            .three_nodes(Some("node1"), 1000)
            .pg_primary(1000, 1),
    );
    assert_eq!(
        pg_actions(&s),
        vec![
            Action::RenewLeader,
            Action::Stop {
                mode: StopMode::Fast
            },
            Action::StartStandbyOfRemote(remote()),
        ]
    );
}

#[test]
fn promote_cluster_promotes_the_standby_leader() {
    let s = Situation::new("node1")
        .three_nodes(Some("node1"), 1000)
        .pg_standby(1000, 1, Some("remote 10.0.0.9:5433"));
    let d = s.decide();
    assert_eq!(d.reason, Reason::Promoting);
    assert!(d
        .actions
        .iter()
        .any(|a| matches!(a, Action::Promote { .. })));
}

#[test]
fn a_standby_cluster_bootstraps_by_cloning_the_remote() {
    let s = in_standby_cluster(Situation::new("node1"));
    let d = s.decide();
    assert_eq!(d.reason, Reason::Bootstrapping);
    assert_eq!(
        &d.actions[..4],
        &[
            Action::AttemptInitialize,
            Action::CloneFromRemote(remote()),
            Action::StartStandbyOfRemote(remote()),
            Action::AcquireLeader,
        ]
    );
}

#[test]
fn the_election_winner_follows_the_remote_instead_of_promoting() {
    let s = in_standby_cluster(Situation::new("node2").three_nodes(None, 1000).pg_standby(
        1000,
        1,
        Some("node1"),
    ));
    let d = s.decide();
    assert_eq!(d.reason, Reason::StandbyLeader, "{d:?}");
    assert_eq!(d.actions[0], Action::AcquireLeader);
    assert!(d.actions.contains(&Action::FollowRemote(remote())));
    assert!(!d
        .actions
        .iter()
        .any(|a| matches!(a, Action::Promote { .. })));
}

#[test]
fn a_stopped_standby_leader_starts_as_a_standby_of_the_remote() {
    let s = in_standby_cluster(
        Situation::new("node1")
            .three_nodes(Some("node1"), 1000)
            .pg_down(ProcessState::Crashed, 1000, 1, true),
    );
    assert_eq!(
        pg_actions(&s),
        vec![Action::RenewLeader, Action::StartStandbyOfRemote(remote())]
    );
}
