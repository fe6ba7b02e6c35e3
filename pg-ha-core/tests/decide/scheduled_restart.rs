//! Scheduled restarts: run when their time comes if their filters hold, wake the node at
//! that time, dropped when stale or when a filter fails, never in pause or without a leader.

use crate::support::{Situation, NOW};
use pg_ha_core::decide::{Action, Reason, RestartFilters, ScheduledRestart};
use pg_ha_core::model::Role;
use std::time::Duration;

fn at(s: &Situation, offset_ms: i64, filters: RestartFilters) -> ScheduledRestart {
    ScheduledRestart {
        at: s.obs.wall + offset_ms,
        filters,
        published: serde_json::json!({}),
    }
}

fn replica_with(offset_ms: i64, filters: RestartFilters) -> Situation {
    let mut s = Situation::new("node2")
        .three_nodes(Some("node1"), 1000)
        .pg_standby(1000, 1, Some("node1"));
    s.obs.facts.scheduled_restart = Some(at(&s, offset_ms, filters));
    s
}

#[test]
fn a_future_restart_wakes_the_node_at_its_time() {
    let d = replica_with(3_000, RestartFilters::default()).decide();
    assert!(matches!(d.reason, Reason::Following { .. }));
    assert_eq!(d.wake_at, Some(NOW + Duration::from_secs(3)));
}

#[test]
fn a_restart_whose_time_came_runs_and_is_cleared() {
    let d = replica_with(-500, RestartFilters::default()).decide();
    assert_eq!(d.reason, Reason::ScheduledRestart);
    assert_eq!(
        d.actions,
        vec![Action::ClearScheduledRestart, Action::Restart]
    );
}

#[test]
fn the_leader_renews_its_lease_before_the_scheduled_restart() {
    let mut s = Situation::new("node1")
        .three_nodes(Some("node1"), 1000)
        .pg_primary(1000, 1);
    s.obs.facts.scheduled_restart = Some(at(&s, 0, RestartFilters::default()));
    let d = s.decide();
    assert_eq!(
        d.actions,
        vec![
            Action::RenewLeader,
            Action::ClearScheduledRestart,
            Action::Restart
        ]
    );
}

#[test]
fn a_restart_found_more_than_one_and_a_half_loop_waits_late_is_dropped() {
    let d = replica_with(-16_000, RestartFilters::default()).decide();
    assert!(matches!(d.reason, Reason::ScheduledRestartSkipped { .. }));
    assert_eq!(d.actions, vec![Action::ClearScheduledRestart]);
}

#[test]
fn a_restart_whose_filters_fail_is_dropped_with_patronis_reason() {
    let cases = [
        (
            RestartFilters {
                role: Some(Role::Primary),
                ..Default::default()
            },
            "host role mismatch",
        ),
        (
            RestartFilters {
                postgres_version: Some(140_000),
                ..Default::default()
            },
            "postgres version mismatch",
        ),
        (
            RestartFilters {
                restart_pending: true,
                ..Default::default()
            },
            "pending restart flag is not set",
        ),
    ];
    for (filters, why) in cases {
        let mut s = replica_with(0, filters);
        s.pg().server_version = Some(150_018);
        let d = s.decide();
        assert_eq!(
            d.reason,
            Reason::ScheduledRestartSkipped { why: why.into() }
        );
        assert_eq!(d.actions, vec![Action::ClearScheduledRestart]);
    }
}

#[test]
fn matching_filters_let_the_restart_run() {
    let mut s = replica_with(
        0,
        RestartFilters {
            role: Some(Role::Replica),
            postgres_version: Some(160_000),
            restart_pending: true,
        },
    );
    s.pg().server_version = Some(150_018);
    s.pg().pending_restart = true;
    assert_eq!(s.decide().reason, Reason::ScheduledRestart);
}

#[test]
fn no_scheduled_restart_runs_in_pause_or_without_a_leader() {
    let paused = replica_with(0, RestartFilters::default()).paused();
    assert!(!paused.decide().actions.contains(&Action::Restart));
    let mut leaderless = replica_with(0, RestartFilters::default());
    leaderless.cluster().leader = None;
    assert!(!leaderless.decide().actions.contains(&Action::Restart));
}
