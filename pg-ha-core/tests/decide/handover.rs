//! The leader after its switchover stop: it keeps the key until the candidate has the
//! shutdown checkpoint (bounded), publishing that position first.

use crate::support::{Situation, NOW};
use pg_ha_core::decide::{Action, Reason};
use pg_ha_core::model::Status;
use pg_ha_core::postgres::{DataDirState, ProcessState};
use std::time::Duration;

/// node1 leads, asked to switch over to node2, stopped cleanly at 2000 200 ms ago.
fn stopped_for_switchover() -> Situation {
    let mut s = Situation::new("node1")
        .three_nodes(Some("node1"), 1500)
        .pg_down(ProcessState::Stopped, 2000, 1, false)
        .failover(Some("node1"), Some("node2"), None);
    s.obs.facts.primary_down_since = Some(NOW - Duration::from_millis(200));
    s
}

fn final_status() -> Action {
    Action::WriteStatus(Status {
        optime: Some(2000),
        // node1 leads: it keeps the slots of the other two and lists its own (Patroni 4).
        retain_slots: vec!["node1".into(), "node2".into(), "node3".into()],
        timeline: Some(1),
        ..Status::default()
    })
}

#[test]
fn keeps_the_key_until_the_candidate_has_the_shutdown_checkpoint() {
    let d = stopped_for_switchover()
        .peer("node2", false, 1500, 1)
        .peer("node3", false, 2000, 1)
        .decide();
    assert_eq!(
        d.reason,
        Reason::HandingOver {
            to: Some("node2".into())
        }
    );
    assert_eq!(d.actions, vec![Action::RenewLeader, final_status()]);
    assert_eq!(d.wake_at, Some(NOW + Duration::from_millis(50)));
}

#[test]
fn releases_to_the_candidate_once_it_reports_the_checkpoint() {
    let d = stopped_for_switchover()
        .peer("node2", false, 2000, 1)
        .decide();
    assert_eq!(
        d.reason,
        Reason::HandedOver {
            to: Some("node2".into()),
            received: true
        }
    );
    assert_eq!(
        d.actions,
        vec![
            final_status(),
            Action::ReleaseLeader,
            Action::StartStandby {
                upstream: Some("node2".into())
            }
        ]
    );
}

#[test]
fn releases_after_the_bounded_wait_and_says_so() {
    let mut s = stopped_for_switchover().peer_unreachable("node2");
    s.obs.facts.primary_down_since = Some(NOW - Duration::from_secs(10));
    let d = s.decide();
    assert_eq!(
        d.reason,
        Reason::HandedOver {
            to: Some("node2".into()),
            received: false
        }
    );
    assert_eq!(d.actions[1], Action::ReleaseLeader);
}

#[test]
fn without_a_named_candidate_any_replica_that_may_take_over_counts() {
    let d = stopped_for_switchover()
        .failover(Some("node1"), None, None)
        .peer("node2", false, 1500, 1)
        .peer("node3", false, 2000, 1)
        .decide();
    assert_eq!(
        d.reason,
        Reason::HandedOver {
            to: None,
            received: true
        }
    );
}

#[test]
fn a_crashed_leader_restarts_in_place_instead() {
    let mut s = stopped_for_switchover().peer("node2", false, 2000, 1);
    if let DataDirState::Initialized { clean_shutdown, .. } = &mut s.pg().data_dir {
        *clean_shutdown = false;
    }
    let d = s.decide();
    assert!(
        matches!(d.reason, Reason::PrimaryRestarting { .. }),
        "{:?}",
        d.reason
    );
}

#[test]
fn in_pause_the_stopped_leader_hands_over_too() {
    let d = stopped_for_switchover()
        .paused()
        .peer("node2", false, 1500, 1)
        .decide();
    assert_eq!(d.actions, vec![Action::RenewLeader, final_status()]);
}
