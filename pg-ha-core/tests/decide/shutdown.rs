use crate::support::Situation;
use pg_ha_core::decide::{Action, LocalRequest, Reason};
use pg_ha_core::model::Status;
use pg_ha_core::postgres::{ProcessState, StopMode};
use std::time::Duration;

#[test]
fn shutting_down_primary_stops_then_releases_the_key() {
    let mut s = Situation::new("node1")
        .three_nodes(Some("node1"), 900)
        .pg_primary(1000, 1);
    s.obs.facts.request = Some(LocalRequest::Shutdown);
    let d = s.decide();
    assert_eq!(d.reason, Reason::ShuttingDown);
    assert_eq!(
        d.actions,
        vec![
            Action::Stop {
                mode: StopMode::Fast
            },
            Action::WriteStatus(Status {
                optime: Some(1000),
                ..Status::default()
            }),
            Action::ReleaseLeader
        ]
    );
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

#[test]
fn shutting_down_with_postgres_stopped_releases_only() {
    let mut s = Situation::new("node1")
        .three_nodes(Some("node1"), 1000)
        .pg_down(ProcessState::Stopped, 1000, 1, false);
    s.obs.facts.request = Some(LocalRequest::Shutdown);
    let d = s.decide();
    assert_eq!(d.actions.last(), Some(&Action::ReleaseLeader));
    assert!(!d.actions.contains(&Action::Stop {
        mode: StopMode::Fast
    }));
}
