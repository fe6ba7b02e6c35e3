use crate::support::{Situation, NOW};
use pg_ha_core::decide::{Action, LocalRequest, Reason};
use pg_ha_core::model::Status;
use pg_ha_core::postgres::{ProcessState, StopMode};
use std::time::Duration;

#[test]
fn shutting_down_primary_stops_and_keeps_the_key() {
    let mut s = Situation::new("node1")
        .three_nodes(Some("node1"), 900)
        .pg_primary(1000, 1);
    s.obs.facts.request = Some(LocalRequest::Shutdown);
    let d = s.decide();
    assert_eq!(d.reason, Reason::HandingOver { to: None });
    assert_eq!(
        d.actions,
        vec![
            Action::RenewLeader,
            Action::Stop {
                mode: StopMode::Fast
            },
        ]
    );
    assert_eq!(d.wake_at, Some(NOW), "the handover goes on at once");
}

#[test]
fn shutting_down_replica_only_stops() {
    let mut s = Situation::new("node2")
        .three_nodes(Some("node1"), 1000)
        .pg_standby(1000, 1, Some("node1"));
    s.obs.facts.request = Some(LocalRequest::Shutdown);
    assert_eq!(
        s.decide().actions,
        vec![Action::Stop {
            mode: StopMode::Fast
        }]
    );
}

#[test]
fn shutting_down_without_dcs_stops_postgres() {
    let mut s = Situation::new("node1")
        .three_nodes(Some("node1"), 1000)
        .pg_primary(1000, 1)
        .dcs_down(Duration::from_secs(1));
    s.obs.facts.request = Some(LocalRequest::Shutdown);
    assert_eq!(
        s.decide().actions,
        vec![Action::Stop {
            mode: StopMode::Fast
        }]
    );
}

/// The leader stopped at 1000 for a shutdown.
fn stopped_for_shutdown() -> Situation {
    let mut s = Situation::new("node1")
        .three_nodes(Some("node1"), 900)
        .pg_down(ProcessState::Stopped, 1000, 1, false);
    s.obs.facts.request = Some(LocalRequest::Shutdown);
    s.obs.facts.primary_down_since = Some(NOW - Duration::from_millis(200));
    s
}

fn final_status() -> Action {
    Action::WriteStatus(Status {
        optime: Some(1000),
        // node1 leads: it keeps the slots of the other two and lists its own (Patroni 4).
        retain_slots: vec!["node1".into(), "node2".into(), "node3".into()],
        timeline: Some(1),
        ..Status::default()
    })
}

#[test]
fn stopped_leader_releases_once_a_replica_has_its_shutdown_checkpoint() {
    let d = stopped_for_shutdown()
        .peer("node2", false, 900, 1)
        .peer("node3", false, 1000, 1)
        .decide();
    assert_eq!(d.reason, Reason::ShuttingDown);
    assert_eq!(d.actions, vec![final_status(), Action::ReleaseLeader]);
}

#[test]
fn stopped_leader_waits_while_no_replica_has_its_shutdown_checkpoint() {
    let d = stopped_for_shutdown()
        .peer("node2", false, 900, 1)
        .peer_unreachable("node3")
        .decide();
    assert_eq!(d.reason, Reason::HandingOver { to: None });
    assert_eq!(d.actions, vec![Action::RenewLeader, final_status()]);
    assert_eq!(d.wake_at, Some(NOW + Duration::from_millis(50)));
}

#[test]
fn a_replica_that_may_not_take_over_does_not_count() {
    let d = stopped_for_shutdown()
        .member_tag("node3", "nofailover", true.into())
        .peer("node2", false, 900, 1)
        .peer("node3", false, 1000, 0)
        .decide();
    assert_eq!(d.reason, Reason::HandingOver { to: None });
}

#[test]
fn stopped_leader_releases_after_the_bounded_wait() {
    let mut s = stopped_for_shutdown().peer("node2", false, 900, 1);
    // loop_wait 10 s, ttl 30 s: the wait ends after min(loop_wait, ttl / 2) = 10 s.
    s.obs.facts.primary_down_since = Some(NOW - Duration::from_secs(10));
    let d = s.decide();
    assert_eq!(d.reason, Reason::ShuttingDown);
    assert_eq!(d.actions, vec![final_status(), Action::ReleaseLeader]);
}

#[test]
fn stopped_leader_without_anyone_to_take_over_releases_at_once() {
    let d = stopped_for_shutdown()
        .member_tag("node2", "nofailover", true.into())
        .member_tag("node3", "nofailover", true.into())
        .decide();
    assert_eq!(d.reason, Reason::ShuttingDown);
    assert_eq!(d.actions.last(), Some(&Action::ReleaseLeader));
    assert!(!d.actions.contains(&Action::Stop {
        mode: StopMode::Fast
    }));
}

#[test]
fn in_synchronous_mode_primary_stop_timeout_bounds_the_primary_s_stop() {
    let mut s = Situation::new("node1")
        .three_nodes(Some("node1"), 900)
        .pg_primary(1000, 1)
        .sync_mode(pg_ha_core::SyncMode::On)
        .sync("node1", &["node2"], 0);
    s.cfg.dynamic.primary_stop_timeout = Duration::from_secs(5);
    s.obs.facts.request = Some(LocalRequest::Shutdown);
    let stop = Action::Stop {
        mode: StopMode::FastOrKill {
            after: Duration::from_secs(5),
        },
    };
    assert!(s.decide().actions.contains(&stop), "{:?}", s.decide());
    s.cfg.dynamic.synchronous_mode = pg_ha_core::SyncMode::Off;
    let fast = Action::Stop {
        mode: StopMode::Fast,
    };
    assert!(
        s.decide().actions.contains(&fast),
        "asynchronous: no timeout"
    );
}
