use crate::support::{Situation, NOW};
use pg_ha_core::decide::{Action, Ineligible, Reason};
use pg_ha_core::model::Condition;
use pg_ha_core::postgres::StopMode;
use std::time::Duration;

fn leader_asked(leader: Option<&str>, candidate: Option<&str>) -> Situation {
    Situation::new("node1")
        .three_nodes(Some("node1"), 1000)
        .pg_primary(1000, 1)
        .failover(leader, candidate, None)
}

/// The first step of a switchover: renew, then stop with a shutdown checkpoint (the key is
/// handed over in the next cycles, see `handover.rs`).
fn graceful(_candidate: Option<&str>) -> Vec<Action> {
    vec![
        Action::RenewLeader,
        Action::Stop {
            mode: StopMode::Fast,
        },
    ]
}

fn rejected(d: &pg_ha_core::Decision) {
    assert!(matches!(d.reason, Reason::FailoverRejected { .. }), "{d:?}");
    assert_eq!(
        d.actions,
        vec![
            Action::RenewLeader,
            Action::ClearFailover {
                condition: Condition::Version(40)
            }
        ]
    );
}

#[test]
fn leader_hands_over_to_a_healthy_candidate() {
    let d = leader_asked(Some("node1"), Some("node2"))
        .peer("node2", false, 1000, 1)
        .decide();
    assert_eq!(
        d.reason,
        Reason::SwitchingOver {
            candidate: Some("node2".into())
        }
    );
    assert_eq!(d.actions, graceful(Some("node2")));
}

#[test]
fn switchover_without_candidate_needs_any_healthy_member() {
    let d = leader_asked(Some("node1"), None)
        .peer("node3", false, 990, 1)
        .decide();
    assert_eq!(d.reason, Reason::SwitchingOver { candidate: None });
    assert_eq!(d.actions, graceful(None));
}

#[test]
fn failover_request_without_leader_field_is_honoured_by_the_leader() {
    let d = leader_asked(None, Some("node2"))
        .peer("node2", false, 1000, 1)
        .decide();
    assert_eq!(d.actions, graceful(Some("node2")));
}

#[test]
fn unreachable_candidate_is_rejected_and_cleared() {
    rejected(
        &leader_asked(Some("node1"), Some("node2"))
            .peer_unreachable("node2")
            .decide(),
    );
}

#[test]
fn lagging_candidate_is_rejected() {
    rejected(
        &leader_asked(Some("node1"), Some("node2"))
            .peer("node2", false, 0, 1)
            .pg_primary(5_000_000, 1)
            .decide(),
    );
}

#[test]
fn unknown_candidate_is_rejected() {
    rejected(&leader_asked(Some("node1"), Some("node9")).decide());
}

#[test]
fn nofailover_candidate_is_rejected() {
    let s = leader_asked(Some("node1"), Some("node2"))
        .member_tag("node2", "nofailover", true.into())
        .peer("node2", false, 1000, 0);
    rejected(&s.decide());
}

#[test]
fn request_from_another_leader_is_cleared() {
    rejected(
        &leader_asked(Some("node3"), Some("node2"))
            .peer("node2", false, 1000, 1)
            .decide(),
    );
}

#[test]
fn request_naming_the_leader_itself_is_cleared() {
    rejected(&leader_asked(None, Some("node1")).decide());
}

#[test]
fn scheduled_switchover_waits_until_due() {
    let mut s = leader_asked(Some("node1"), Some("node2")).peer("node2", false, 1000, 1);
    s.obs.wall = chrono::DateTime::parse_from_rfc3339("2026-01-01T10:00:00+00:00")
        .expect("valid")
        .timestamp_millis()
        - 30_000;
    s = s.failover(
        Some("node1"),
        Some("node2"),
        Some("2026-01-01T10:00:00+00:00"),
    );
    let d = s.decide();
    assert_eq!(d.reason, Reason::SwitchoverScheduled { in_ms: 30_000 });
    assert_eq!(d.actions, vec![Action::RenewLeader]);
    assert_eq!(d.wake_at, Some(NOW + Duration::from_secs(30)));
}

#[test]
fn scheduled_switchover_runs_when_due() {
    let mut s = leader_asked(Some("node1"), Some("node2")).peer("node2", false, 1000, 1);
    s.obs.wall = chrono::DateTime::parse_from_rfc3339("2026-01-01T10:00:01+00:00")
        .expect("valid")
        .timestamp_millis();
    s = s.failover(
        Some("node1"),
        Some("node2"),
        Some("2026-01-01T10:00:00+00:00"),
    );
    assert_eq!(s.decide().actions, graceful(Some("node2")));
}

#[test]
fn stale_scheduled_switchover_is_cleared() {
    let mut s = leader_asked(Some("node1"), Some("node2")).peer("node2", false, 1000, 1);
    s.obs.wall = chrono::DateTime::parse_from_rfc3339("2026-01-01T10:01:00+00:00")
        .expect("valid")
        .timestamp_millis();
    s = s.failover(
        Some("node1"),
        Some("node2"),
        Some("2026-01-01T10:00:00+00:00"),
    );
    rejected(&s.decide());
}

/// No leader; a failover key names node3.
fn leaderless_request(me: &str, leader: Option<&str>, candidate: Option<&str>) -> Situation {
    Situation::new(me)
        .three_nodes(None, 1000)
        .pg_standby(1000, 1, Some("node1"))
        .failover(leader, candidate, None)
}

#[test]
fn named_candidate_promotes_even_when_lagging_once_the_old_leader_is_gone() {
    let mut s = leaderless_request("node3", Some("node1"), Some("node3")).optime(90_000_000);
    s.cluster().members.retain(|m| m.name != "node1");
    let d = s.decide();
    assert_eq!(d.reason, Reason::Promoting);
    assert_eq!(
        d.actions,
        vec![
            Action::AcquireLeader,
            Action::ClearFailover {
                condition: Condition::Any
            },
            crate::support::announce(1, 1000, "node3"),
            Action::Promote { above_timeline: 1 }
        ]
    );
}

#[test]
fn named_candidate_waits_for_the_position_the_old_leader_stopped_at() {
    let d = leaderless_request("node3", Some("node1"), Some("node3"))
        .optime(90_000_000)
        .decide();
    assert_eq!(
        d.reason,
        Reason::NotHealthiest(Ineligible::MissingFinalWal {
            position: 1000,
            needed: 90_000_000
        })
    );
    assert!(d.actions.is_empty());
}

#[test]
fn a_candidate_without_the_final_position_does_not_hold_the_others_back() {
    let d = leaderless_request("node2", Some("node1"), Some("node3"))
        .peer("node3", false, 500, 1)
        .decide();
    assert_eq!(d.reason, Reason::Promoting);
}

#[test]
fn switchover_source_takes_back_the_key_when_no_one_else_has_its_final_position() {
    let d = leaderless_request("node1", Some("node1"), Some("node3"))
        .peer("node2", false, 500, 1)
        .peer("node3", false, 500, 1)
        .decide();
    assert_eq!(d.reason, Reason::Promoting);
}

#[test]
fn other_nodes_leave_the_race_to_a_healthy_candidate() {
    let d = leaderless_request("node2", Some("node1"), Some("node3"))
        .peer("node3", false, 1000, 1)
        .decide();
    assert_eq!(
        d.reason,
        Reason::NotHealthiest(Ineligible::NotTheCandidate {
            candidate: "node3".into()
        })
    );
    assert!(d.actions.is_empty());
}

#[test]
fn unreachable_candidate_lets_others_race_without_lag_check() {
    let mut s = leaderless_request("node2", Some("node1"), Some("node3"))
        .peer_unreachable("node3")
        .optime(90_000_000);
    s.cluster().members.retain(|m| m.name != "node1");
    let d = s.decide();
    assert_eq!(d.reason, Reason::Promoting);
}

#[test]
fn switchover_source_stays_out_while_others_can_take_over() {
    let d = leaderless_request("node1", Some("node1"), Some("node3"))
        .peer("node3", false, 1000, 1)
        .decide();
    assert!(matches!(
        d.reason,
        Reason::NotHealthiest(Ineligible::NotTheCandidate { .. })
    ));
    assert!(d.actions.is_empty());
}

#[test]
fn switchover_source_takes_back_the_key_when_nobody_else_can() {
    let d = leaderless_request("node1", Some("node1"), Some("node3"))
        .peer_unreachable("node3")
        .decide();
    assert_eq!(d.reason, Reason::Promoting);
}

#[test]
fn switchover_source_on_an_older_timeline_never_takes_back_the_key() {
    // Simulator seed 39397: node3 took the key for a switchover from node1, announced timeline 2
    // in the history and promoted, then was cut off before it cleared the failover key. node1,
    // restarted as a replica still on timeline 1, must not promote: that would make a second
    // timeline 2, and the replicas that already streamed node3's timeline 2 would follow it
    // without noticing that they diverged.
    let mut s = leaderless_request("node1", Some("node1"), Some("node3"))
        .sync_mode(pg_ha_core::config::SyncMode::On)
        // node1 listed as a sync standby, so that the timeline rule is the one that bars it.
        .sync("node3", &["node1"], 0)
        .history(&[(1, 900)])
        .peer("node2", false, 1100, 1)
        .peer_unreachable("node3");
    s.obs.peers[0].status.as_mut().expect("answered").timeline = Some(2);
    if let Some(entry) = s.cluster().history.0.last_mut() {
        entry.new_leader = Some("node3".into());
    }
    let d = s.decide();
    assert_eq!(
        d.reason,
        Reason::NotHealthiest(Ineligible::TimelineBehind {
            local: 1,
            cluster: 2
        })
    );
    assert!(d.actions.is_empty());
}

#[test]
fn manual_failover_leaves_the_old_leader_out_of_the_comparison() {
    let d = leaderless_request("node2", Some("node1"), None)
        .peer("node1", false, 5000, 1)
        .decide();
    assert_eq!(d.reason, Reason::Promoting);
}

#[test]
fn switchover_source_races_when_no_other_member_may_promote_in_sync_mode() {
    let d = leaderless_request("node1", Some("node1"), None)
        .sync_mode(pg_ha_core::config::SyncMode::On)
        .sync("node1", &[], 0)
        .peer("node2", false, 1000, 1)
        .peer("node3", false, 1000, 1)
        .decide();
    assert_eq!(d.reason, Reason::Promoting);
}

#[test]
fn switchover_scheduled_for_later_does_not_steer_a_leaderless_race() {
    let mut s = leaderless_request("node2", Some("node1"), Some("node3"));
    s.obs.wall = chrono::DateTime::parse_from_rfc3339("2026-01-01T09:00:00+00:00")
        .expect("valid")
        .timestamp_millis();
    s = s
        .failover(
            Some("node1"),
            Some("node3"),
            Some("2026-01-01T10:00:00+00:00"),
        )
        .peer("node3", false, 1000, 1);
    // Without the request node3 would not block node2 (same WAL, same priority).
    assert_eq!(s.decide().reason, Reason::Promoting);
}

/// A nofailover node never leads, not even as the named candidate of a switchover whose
/// leader is gone (as Patroni; simulation seed 2855 of `--space full` was left without a
/// primary for good after such a node led).
#[test]
fn a_nofailover_candidate_does_not_take_over() {
    let s = leaderless_request("node3", Some("node1"), Some("node3"))
        .tag("nofailover", serde_json::json!(true));
    assert_eq!(
        s.decide().reason,
        Reason::NotHealthiest(Ineligible::NoFailover)
    );
}

/// The old leader of a switchover takes the key back when the only other healthy node may
/// not race (missing from the failsafe map), instead of waiting for it for good (simulation
/// seed 3378 of `--space full`).
#[test]
fn the_old_leader_retakes_the_key_when_the_others_are_outside_the_failsafe_map() {
    let mut s = leaderless_request("node2", Some("node2"), Some("node3"))
        .peer("node1", false, 1000, 1)
        .peer("node3", false, 1000, 0);
    s = s.failsafe_map(&["node2", "node3"]);
    assert_eq!(s.decide().reason, Reason::Promoting);
}

/// The old leader of a switchover published a position on a timeline the history says has
/// ended (another node was promoted since): WAL past that switch point is on a dead branch.
/// The others need the WAL up to the switch point only (seed 47790 of `--space full` stayed
/// without a primary for good).
#[test]
fn the_final_wal_of_an_old_leader_on_an_ended_timeline_stops_at_the_switch_point() {
    let mut s = Situation::new("node3")
        .three_nodes(None, 1000)
        .pg_standby(1200, 2, None)
        .failover(Some("node1"), None, None)
        .member_timeline("node1", 1)
        .optime(5000)
        .history(&[(1, 1100)]);
    s.cluster().members.retain(|m| m.name != "node2");
    let d = s.decide();
    assert_eq!(d.reason, Reason::Promoting, "{d:?}");
    // Before the switch point: still waiting for it.
    let mut s = Situation::new("node3")
        .three_nodes(None, 1000)
        .pg_standby(1050, 1, None)
        .failover(Some("node1"), None, None)
        .member_timeline("node1", 1)
        .optime(5000)
        .history(&[(1, 1100)]);
    s.cluster().members.retain(|m| m.name != "node2");
    assert!(s.decide().actions.is_empty());
}
