use crate::support::{Situation, NOW, SYSID};
use pg_ha_core::decide::{Action, LocalRequest, Reason};
use pg_ha_core::lsn::Lsn;
use pg_ha_core::model::{Condition, History, HistoryEntry, Status};
use pg_ha_core::postgres::ProcessState;
use std::time::Duration;

fn leader() -> Situation {
    Situation::new("node1")
        .three_nodes(Some("node1"), 1000)
        .pg_primary(1000, 1)
}

#[test]
fn leader_renews_and_is_otherwise_quiet() {
    let d = leader().decide();
    assert_eq!(d.reason, Reason::LeaderRenewed);
    assert_eq!(d.actions, vec![Action::RenewLeader]);
    assert_eq!(d.wake_at, Some(NOW + Duration::from_secs(10)));
}

#[test]
fn leader_publishes_a_new_optime_in_status() {
    let d = leader().pg_primary(2000, 1).decide();
    let status = Status {
        optime: Some(2000),
        // node1 leads: it keeps the slots of the other two and lists its own (Patroni 4).
        retain_slots: vec!["node1".into(), "node2".into(), "node3".into()],
        timeline: Some(1),
        ..Status::default()
    };
    assert_eq!(
        d.actions,
        vec![Action::RenewLeader, Action::WriteStatus(status)]
    );
}

#[test]
fn leader_writes_a_missing_config() {
    let mut s = leader();
    s.cluster().config = None;
    let d = s.decide();
    assert_eq!(d.actions.len(), 2);
    assert!(matches!(
        &d.actions[1],
        Action::WriteConfig {
            condition: Condition::Any,
            ..
        }
    ));
}

#[test]
fn leader_repairs_initialize() {
    let mut s = leader();
    s.cluster().initialize = Some("12".into());
    let d = s.decide();
    assert_eq!(
        d.actions,
        vec![
            Action::RenewLeader,
            Action::WriteInitialize {
                sysid: SYSID.into()
            }
        ]
    );
}

#[test]
fn new_leader_writes_history_from_its_timeline_file() {
    let mut s = leader().pg_primary(1000, 2).status_timeline(Some(2));
    s.pg().timeline_history = vec![(1, Lsn(900))];
    let d = s.decide();
    // Stamped: this node runs on timeline 2, so the promotion happened.
    let stamp = d.actions.iter().find_map(|a| match a {
        Action::WriteHistory(h) => h.0[0].timestamp.clone(),
        _ => None,
    });
    assert!(
        stamp.as_deref().is_some_and(|t| t.ends_with("+00:00")),
        "{stamp:?}"
    );
    let history = History(vec![HistoryEntry {
        timeline: 1,
        switch_lsn: 900,
        reason: "no recovery target specified".into(),
        timestamp: stamp,
        new_leader: Some("node1".into()),
    }]);
    assert_eq!(
        d.actions,
        vec![Action::RenewLeader, Action::WriteHistory(history)]
    );
}

#[test]
fn leader_keeps_existing_history_entries() {
    let mut s = leader().pg_primary(1000, 3).history(&[(1, 500)]);
    s.pg().timeline_history = vec![(1, Lsn(500)), (2, Lsn(900))];
    let d = s.decide();
    let Action::WriteHistory(h) = &d.actions[1] else {
        panic!("expected a history write: {d:?}")
    };
    assert_eq!(h.0.len(), 2);
    assert_eq!(h.0[0].switch_lsn, 500);
    assert_eq!((h.0[1].timeline, h.0[1].switch_lsn), (2, 900));
    assert_eq!(h.timeline(), 3);
}

#[test]
fn leader_writes_the_failsafe_map_in_failsafe_mode() {
    let mut s = leader();
    s.cfg.dynamic.failsafe_mode = true;
    let d = s.decide();
    let Action::WriteFailsafe(map) = &d.actions[1] else {
        panic!("expected a failsafe write: {d:?}")
    };
    assert_eq!(map.0.len(), 3);
    assert_eq!(map.0["node2"], "http://127.0.0.1:8008/node2/patroni");
}

#[test]
fn lease_holder_running_as_standby_promotes() {
    let d = Situation::new("node1")
        .three_nodes(Some("node1"), 1000)
        .pg_standby(1000, 1, None)
        .decide();
    assert_eq!(d.reason, Reason::Promoting);
    assert_eq!(
        d.actions,
        vec![
            Action::RenewLeader,
            crate::support::announce(1, 1000, "node1"),
            Action::Promote { above_timeline: 1 }
        ]
    );
}

#[test]
fn lease_holder_whose_promotion_a_hook_refused_gives_the_key_up() {
    let mut s = Situation::new("node1")
        .three_nodes(Some("node1"), 1000)
        .pg_standby(1000, 1, None);
    s.obs.facts.promotion_refused = true;
    let d = s.decide();
    assert_eq!(d.reason, Reason::PromotionRefused);
    assert_eq!(d.actions, vec![Action::ReleaseLeader]);
}

#[test]
fn crashed_primary_restarts_in_place_while_holding_the_lease() {
    let mut s = leader().pg_down(ProcessState::Crashed, 1000, 1, false);
    s.obs.facts.primary_down_since = Some(NOW - Duration::from_secs(2));
    let d = s.decide();
    assert_eq!(
        d.reason,
        Reason::PrimaryRestarting {
            down_for: Duration::from_secs(2)
        }
    );
    assert_eq!(d.actions, vec![Action::RenewLeader, Action::StartPrimary]);
    assert_eq!(d.wake_at, Some(NOW + Duration::from_secs(298)));
}

#[test]
fn crashed_primary_past_primary_start_timeout_releases_the_lease() {
    let mut s = leader().pg_down(ProcessState::Crashed, 1000, 1, false);
    s.obs.facts.primary_down_since = Some(NOW - Duration::from_secs(301));
    let d = s.decide();
    assert_eq!(d.reason, Reason::PrimaryStartTimedOut);
    assert_eq!(d.actions, vec![Action::ReleaseLeader]);
}

#[test]
fn primary_start_timeout_zero_releases_at_once() {
    let mut s = leader().pg_down(ProcessState::Crashed, 1000, 1, false);
    s.cfg.dynamic.primary_start_timeout = Duration::ZERO;
    s.obs.facts.primary_down_since = Some(NOW);
    let d = s.decide();
    assert_eq!(d.actions, vec![Action::ReleaseLeader]);
}

#[test]
fn lone_crashed_primary_keeps_restarting_past_the_timeout() {
    let mut s = Situation::new("node1")
        .initialized()
        .member("node1", pg_ha_core::model::Role::Primary, 1000)
        .leader("node1")
        .pg_down(ProcessState::Crashed, 1000, 1, false);
    s.obs.facts.primary_down_since = Some(NOW - Duration::from_secs(400));
    let d = s.decide();
    assert_eq!(d.actions[..2], [Action::RenewLeader, Action::StartPrimary]);
}

#[test]
fn lease_holder_with_standby_data_starts_as_standby_then_promotes() {
    let d = leader()
        .pg_down(ProcessState::Stopped, 1000, 1, true)
        .decide();
    assert_eq!(
        d.actions,
        vec![Action::RenewLeader, Action::StartStandby { upstream: None }]
    );
}

#[test]
fn starting_primary_only_renews() {
    let mut s = leader();
    s.pg().process = ProcessState::Starting;
    let d = s.decide();
    assert_eq!(d.actions, vec![Action::RenewLeader]);
    assert!(matches!(d.reason, Reason::PrimaryRestarting { .. }));
}

#[test]
fn restart_request_on_the_leader_keeps_the_lease() {
    let mut s = leader();
    s.obs.facts.request = Some(LocalRequest::Restart);
    let d = s.decide();
    assert_eq!(d.reason, Reason::RestartRequested);
    assert_eq!(
        d.actions,
        vec![Action::RenewLeader, Action::ClearRequest, Action::Restart]
    );
}

#[test]
fn reinit_request_on_the_leader_is_refused() {
    let mut s = leader();
    s.obs.facts.request = Some(LocalRequest::Reinit { from_leader: false });
    let d = s.decide();
    assert!(matches!(d.reason, Reason::RequestRefused { .. }));
    assert_eq!(d.actions, vec![Action::ClearRequest]);
}

#[test]
fn primary_that_lost_the_key_to_another_node_demotes_immediately() {
    let d = Situation::new("node1")
        .three_nodes(Some("node2"), 1000)
        .pg_primary(1000, 1)
        .decide();
    assert_eq!(
        d.reason,
        Reason::DemotingForLeader {
            leader: "node2".into()
        }
    );
    assert_eq!(
        d.actions,
        vec![Action::Stop {
            mode: pg_ha_core::postgres::StopMode::Immediate
        }]
    );
}

#[test]
fn history_from_another_branch_is_replaced_by_the_leaders_own() {
    let mut s = leader()
        .pg_primary(1000, 2)
        .status_timeline(Some(2))
        .history(&[(1, 700)]);
    s.pg().timeline_history = vec![(1, Lsn(900))];
    let d = s.decide();
    let Action::WriteHistory(h) = &d.actions[1] else {
        panic!("expected a history write: {d:?}")
    };
    assert_eq!(h.0.len(), 1);
    assert_eq!(h.0[0].switch_lsn, 900);
}

/// The optime is published with its timeline, so that once the history ends that timeline,
/// the part of it past the switch point is known to be on an abandoned branch.
#[test]
fn the_leader_publishes_the_timeline_of_its_optime() {
    let s = leader().pg_primary(1000, 2).history(&[(1, 900)]);
    let mut s = s.status_timeline(Some(1));
    s.pg().timeline_history = vec![(1, Lsn(900))];
    let written = s.decide().actions.iter().find_map(|a| match a {
        Action::WriteStatus(status) => Some(status.clone()),
        _ => None,
    });
    assert_eq!(written.and_then(|w| w.timeline), Some(2));
}

#[test]
fn matching_history_is_not_rewritten() {
    let mut s = leader()
        .pg_primary(1000, 2)
        .status_timeline(Some(2))
        .history(&[(1, 900)]);
    s.pg().timeline_history = vec![(1, Lsn(900))];
    assert_eq!(s.decide().actions, vec![Action::RenewLeader]);
}

#[test]
fn leader_on_a_timeline_that_skipped_numbers_keeps_them_in_the_history() {
    // Promoted from timeline 1 onto 3 (2 was taken by a lost branch): the file names only
    // timeline 1, the key keeps an entry for 2 so that the cluster's timeline stays 3.
    let mut s = leader().pg_primary(1000, 3).history(&[(1, 900)]);
    s.pg().timeline_history = vec![(1, Lsn(900))];
    let d = s.decide();
    let Action::WriteHistory(h) = &d.actions[1] else {
        panic!("expected a history write: {d:?}");
    };
    assert_eq!(h.timeline(), 3);
    assert_eq!(h.switch_point(1), Some(900));
    assert_eq!(h.switch_point(2), Some(0));
}

#[test]
fn a_lease_holder_whose_required_watchdog_failed_releases_instead_of_promoting() {
    let mut s = Situation::new("node1")
        .three_nodes(Some("node1"), 1000)
        .pg_standby(1000, 1, None);
    s.obs.facts.watchdog_failed = true;
    let d = s.decide();
    assert_eq!(d.reason, Reason::WatchdogFailed);
    assert!(d.actions.contains(&Action::ReleaseLeader), "{d:?}");
    assert!(!d
        .actions
        .iter()
        .any(|a| matches!(a, Action::Promote { .. })));
}

/// The new leader confirms its own announcement: the entry it wrote before promoting (no
/// timestamp) gets one once it runs on the new timeline, and is rewritten only for that.
#[test]
fn the_new_leader_stamps_its_own_announcement() {
    let mut s = leader().pg_primary(1000, 2).status_timeline(Some(2));
    s.pg().timeline_history = vec![(1, Lsn(900))];
    let Action::WriteHistory(announced) = crate::support::announce(1, 900, "node1") else {
        unreachable!("announce writes the history")
    };
    s.cluster().history = announced;
    let d = s.decide();
    let Some(Action::WriteHistory(h)) = d.actions.get(1) else {
        panic!("expected a history write: {d:?}")
    };
    assert!(h.0[0].timestamp.is_some(), "{h:?}");
    assert_eq!((h.0[0].timeline, h.0[0].switch_lsn), (1, 900));
    // Stamped already: nothing to write.
    s.cluster().history = h.clone();
    assert_eq!(s.decide().actions, vec![Action::RenewLeader]);
}
