use crate::support::Situation;
use pg_ha_core::decide::{Action, Reason};
use pg_ha_core::model::Condition;
use pg_ha_core::postgres::{ProcessState, StopMode};

#[test]
fn paused_leader_only_renews() {
    let d = Situation::new("node1")
        .three_nodes(Some("node1"), 1000)
        .pg_primary(1000, 1)
        .paused()
        .decide();
    assert_eq!(d.reason, Reason::Paused);
    assert_eq!(d.actions, vec![Action::RenewLeader]);
}

#[test]
fn paused_leader_with_stopped_postgres_is_not_restarted_and_releases() {
    let d = Situation::new("node1")
        .three_nodes(Some("node1"), 1000)
        .pg_down(ProcessState::Crashed, 1000, 1, false)
        .paused()
        .decide();
    assert_eq!(d.reason, Reason::Paused);
    assert_eq!(d.actions, vec![Action::ReleaseLeader]);
}

#[test]
fn paused_replica_with_stopped_postgres_is_left_alone() {
    let d = Situation::new("node2")
        .three_nodes(Some("node1"), 1000)
        .pg_down(ProcessState::Stopped, 1000, 1, true)
        .paused()
        .decide();
    assert_eq!(d.reason, Reason::Paused);
    assert!(d.actions.is_empty());
}

#[test]
fn paused_replica_is_not_promoted_without_a_leader() {
    let d = Situation::new("node2")
        .three_nodes(None, 1000)
        .pg_standby(1000, 1, Some("node1"))
        .paused()
        .decide();
    assert_eq!(d.reason, Reason::Paused);
    assert!(d.actions.is_empty());
}

#[test]
fn paused_running_primary_without_the_key_takes_it() {
    let d = Situation::new("node1")
        .three_nodes(None, 1000)
        .pg_primary(1000, 1)
        .paused()
        .decide();
    assert_eq!(d.actions, vec![Action::AcquireLeader]);
}

#[test]
fn paused_primary_of_another_cluster_does_not_take_the_key() {
    let mut s = Situation::new("node1")
        .three_nodes(None, 1000)
        .pg_primary(1000, 1)
        .paused();
    s.cluster().initialize = Some("6999999999999999999".into());
    let d = s.decide();
    assert!(matches!(d.reason, Reason::SystemIdMismatch { .. }));
    assert!(d.actions.is_empty());
}

#[test]
fn paused_switchover_to_a_named_candidate_is_allowed() {
    let d = Situation::new("node1")
        .three_nodes(Some("node1"), 1000)
        .pg_primary(1000, 1)
        .paused()
        .failover(Some("node1"), Some("node2"), None)
        .peer("node2", false, 1000, 1)
        .decide();
    assert_eq!(
        d.reason,
        Reason::SwitchingOver {
            candidate: Some("node2".into())
        }
    );
    assert_eq!(
        d.actions[1],
        Action::Stop {
            mode: StopMode::Fast
        }
    );
}

#[test]
fn paused_switchover_without_candidate_is_cleared() {
    let d = Situation::new("node1")
        .three_nodes(Some("node1"), 1000)
        .pg_primary(1000, 1)
        .paused()
        .failover(Some("node1"), None, None)
        .peer("node2", false, 1000, 1)
        .decide();
    assert!(matches!(d.reason, Reason::FailoverRejected { .. }));
}

#[test]
fn paused_named_candidate_takes_over_a_leaderless_cluster() {
    let d = Situation::new("node2")
        .three_nodes(None, 1000)
        .pg_standby(1000, 1, Some("node1"))
        .paused()
        .failover(None, Some("node2"), None)
        .decide();
    assert_eq!(
        d.actions,
        vec![
            Action::AcquireLeader,
            Action::ClearFailover {
                condition: Condition::Any
            },
            crate::support::announce(1, 1000, "node2"),
            Action::Promote { above_timeline: 1 }
        ]
    );
}
