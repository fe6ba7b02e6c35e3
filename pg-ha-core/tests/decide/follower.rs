use crate::support::Situation;
use pg_ha_core::decide::{Action, LocalRequest, Reason};
use pg_ha_core::postgres::{ProcessState, StopMode};

fn replica() -> Situation {
    Situation::new("node2")
        .three_nodes(Some("node1"), 1000)
        .pg_standby(1000, 1, Some("node1"))
}

/// node1 was primary on timeline 1 and wrote up to `lsn`; node2 now leads on timeline 2,
/// forked at 5000.
fn old_primary(lsn: u64) -> Situation {
    let mut s = Situation::new("node1")
        .three_nodes(Some("node2"), 9000)
        .member_timeline("node2", 2)
        .history(&[(1, 5000)])
        .pg_down(ProcessState::Stopped, lsn, 1, false);
    s.cfg.dynamic.postgresql.use_pg_rewind = true;
    s
}

#[test]
fn replica_streaming_from_the_leader_does_nothing() {
    let d = replica().decide();
    assert_eq!(
        d.reason,
        Reason::Following {
            leader: "node1".into()
        }
    );
    assert!(d.actions.is_empty());
}

#[test]
fn replica_repoints_to_a_new_leader() {
    let d = replica().leader("node3").decide();
    assert_eq!(
        d.reason,
        Reason::Repointing {
            leader: "node3".into()
        }
    );
    assert_eq!(
        d.actions,
        vec![Action::Follow {
            upstream: Some("node3".into())
        }]
    );
}

#[test]
fn stopped_replica_starts_following_the_leader() {
    let d = replica()
        .pg_down(ProcessState::Stopped, 1000, 1, true)
        .decide();
    assert_eq!(d.reason, Reason::StartingAsReplica);
    assert_eq!(
        d.actions,
        vec![Action::StartStandby {
            upstream: Some("node1".into())
        }]
    );
}

#[test]
fn replicatefrom_tag_cascades_from_that_member() {
    let d = replica()
        .tag("replicatefrom", "node3".into())
        .pg_standby(1000, 1, Some("node1"))
        .decide();
    assert_eq!(
        d.actions,
        vec![Action::Follow {
            upstream: Some("node3".into())
        }]
    );
}

#[test]
fn replicatefrom_a_missing_member_falls_back_to_the_leader() {
    let d = replica().tag("replicatefrom", "node9".into()).decide();
    assert_eq!(
        d.reason,
        Reason::Following {
            leader: "node1".into()
        }
    );
}

#[test]
fn diverged_old_primary_is_rewound_from_the_new_leader() {
    let d = old_primary(6000).decide();
    assert_eq!(
        d.reason,
        Reason::Rewinding {
            source: "node2".into()
        }
    );
    assert_eq!(
        d.actions,
        vec![
            Action::Rewind {
                source: "node2".into()
            },
            Action::StartStandby {
                upstream: Some("node2".into())
            }
        ]
    );
}

#[test]
fn old_primary_that_stopped_at_the_fork_point_just_follows() {
    let d = old_primary(5000).decide();
    assert_eq!(d.reason, Reason::StartingAsReplica);
    assert_eq!(
        d.actions,
        vec![Action::StartStandby {
            upstream: Some("node2".into())
        }]
    );
}

#[test]
fn unknown_fork_point_is_not_treated_as_divergence() {
    let d = old_primary(6000).history(&[]).decide();
    assert_eq!(d.reason, Reason::StartingAsReplica);
}

#[test]
fn node_on_a_later_timeline_than_the_leader_has_diverged() {
    let d = old_primary(100)
        .pg_down(ProcessState::Stopped, 100, 3, false)
        .decide();
    assert_eq!(
        d.reason,
        Reason::Rewinding {
            source: "node2".into()
        }
    );
}

#[test]
fn a_leader_on_an_older_timeline_that_has_not_promoted_yet_is_not_rewound_onto() {
    // node2 won the race from timeline 2 and will promote above timeline 3: node1 must not
    // go back onto timeline 2 meanwhile.
    let mut s = old_primary(100).pg_down(ProcessState::Stopped, 100, 3, false);
    if let Some(m) = s.cluster().members.iter_mut().find(|m| m.name == "node2") {
        m.data.role = pg_ha_core::model::Role::Replica;
    }
    let d = s.decide();
    assert!(
        !matches!(d.reason, Reason::Rewinding { .. }),
        "rewound back onto an older timeline: {d:?}"
    );
}

#[test]
fn diverged_without_rewind_is_reinitialized_when_allowed() {
    let mut s = old_primary(6000);
    s.cfg.dynamic.postgresql.use_pg_rewind = false;
    s.cfg
        .dynamic
        .postgresql
        .remove_data_directory_on_diverged_timelines = true;
    let d = s.decide();
    assert_eq!(
        d.reason,
        Reason::Reinitializing {
            source: "node2".into()
        }
    );
    assert_eq!(
        d.actions[0],
        Action::Reinit {
            source: "node2".into()
        }
    );
}

#[test]
fn failed_rewind_falls_back_to_reinit_when_allowed() {
    let mut s = old_primary(6000);
    s.obs.facts.rewind_failed = true;
    s.cfg
        .dynamic
        .postgresql
        .remove_data_directory_on_rewind_failure = true;
    let d = s.decide();
    assert_eq!(
        d.actions[0],
        Action::Reinit {
            source: "node2".into()
        }
    );
}

#[test]
fn failed_rewind_without_permission_to_wipe_needs_a_human() {
    let mut s = old_primary(6000);
    s.obs.facts.rewind_failed = true;
    let d = s.decide();
    assert_eq!(d.reason, Reason::DivergedNeedsManualAction);
    assert_eq!(
        d.actions,
        vec![Action::StartStandby {
            upstream: Some("node2".into())
        }]
    );
}

#[test]
fn diverged_running_replica_stops_for_a_rewind() {
    let mut s = replica()
        .leader("node3")
        .member_timeline("node3", 2)
        .history(&[(1, 800)]);
    s.cfg.dynamic.postgresql.use_pg_rewind = true;
    let d = s.decide();
    assert_eq!(
        d.reason,
        Reason::Rewinding {
            source: "node3".into()
        }
    );
    assert_eq!(
        d.actions,
        vec![Action::Stop {
            mode: StopMode::Fast
        }]
    );
}

#[test]
fn diverged_running_replica_without_options_stays_as_it_is() {
    let d = replica()
        .leader("node3")
        .member_timeline("node3", 2)
        .history(&[(1, 800)])
        .decide();
    assert_eq!(d.reason, Reason::DivergedNeedsManualAction);
    assert!(d.actions.is_empty());
}

#[test]
fn replica_behind_the_fork_point_follows_the_new_timeline() {
    let d = replica()
        .leader("node3")
        .member_timeline("node3", 2)
        .history(&[(1, 1500)])
        .decide();
    assert_eq!(
        d.actions,
        vec![Action::Follow {
            upstream: Some("node3".into())
        }]
    );
}

#[test]
fn reinit_request_wipes_and_clones_a_running_replica() {
    let mut s = replica();
    s.obs.facts.request = Some(LocalRequest::Reinit { from_leader: true });
    let d = s.decide();
    assert_eq!(
        d.actions,
        vec![
            Action::ClearRequest,
            Action::Stop {
                mode: StopMode::Immediate
            },
            Action::Reinit {
                source: "node1".into()
            },
            Action::StartStandby {
                upstream: Some("node1".into())
            }
        ]
    );
}

#[test]
fn restart_request_restarts_a_replica() {
    let mut s = replica();
    s.obs.facts.request = Some(LocalRequest::Restart);
    let d = s.decide();
    assert_eq!(d.actions, vec![Action::ClearRequest, Action::Restart]);
}

#[test]
fn leader_without_member_key_is_followed_once_it_appears() {
    let mut s = replica();
    s.cluster().members.retain(|m| m.name != "node1");
    let d = s.decide();
    assert_eq!(
        d.reason,
        Reason::Following {
            leader: "node1".into()
        }
    );
    assert!(d.actions.is_empty());
}
