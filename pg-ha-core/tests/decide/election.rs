use crate::support::{Situation, NOW};
use pg_ha_core::decide::{Action, Ineligible, Reason};
use pg_ha_core::model::HistoryEntry;
use pg_ha_core::postgres::{ProcessState, StopMode};
use std::time::Duration;

/// node1 (the old leader) is gone; node2 is a replica at `lsn` deciding whether to race.
fn leaderless(lsn: u64) -> Situation {
    let mut s = Situation::new("node2")
        .three_nodes(None, 1000)
        .pg_standby(lsn, 1, Some("node1"));
    s.obs.facts.last_leader = Some("node1".into());
    s.cluster().members.retain(|m| m.name != "node1");
    s
}

fn not_healthiest(s: Situation) -> Ineligible {
    let d = s.decide();
    assert!(
        d.actions.is_empty(),
        "a non-healthiest node must do nothing: {d:?}"
    );
    match d.reason {
        Reason::NotHealthiest(why) => why,
        other => panic!("expected NotHealthiest, got {other:?}"),
    }
}

#[test]
fn healthiest_replica_takes_the_key_and_promotes() {
    let d = leaderless(1000).peer("node3", false, 900, 1).decide();
    assert_eq!(d.reason, Reason::Promoting);
    assert_eq!(
        d.actions,
        vec![
            Action::AcquireLeader,
            crate::support::announce(1, 1000, "node2"),
            Action::Promote { above_timeline: 1 }
        ]
    );
}

/// The announced history takes the lineage from this node's own timeline history file, not
/// from the key: an earlier announcement in the key named a switch position that its
/// promotion overtook (replay went on while the DCS calls were slow), and a history with it
/// would misplace where timeline 1 ended (simulation seed 2299, found by the history
/// invariant).
#[test]
fn the_announced_history_takes_the_lineage_from_the_own_timeline_file() {
    let mut s = Situation::new("node2")
        .three_nodes(None, 1000)
        .pg_standby(1000, 2, Some("node1"))
        .history(&[(1, 800)])
        .peer("node3", false, 900, 1);
    s.obs.facts.last_leader = Some("node1".into());
    s.cluster().members.retain(|m| m.name != "node1");
    s.pg().timeline_history = vec![(1, pg_ha_core::lsn::Lsn(850))];
    let d = s.decide();
    assert_eq!(d.reason, Reason::Promoting);
    let Some(Action::WriteHistory(history)) = d.actions.get(1) else {
        panic!("a history announcement: {d:?}");
    };
    let switches: Vec<(u32, u64)> = history
        .0
        .iter()
        .map(|e| (e.timeline, e.switch_lsn))
        .collect();
    assert_eq!(switches, vec![(1, 850), (2, 1000)]);
}

#[test]
fn lagging_replica_does_not_promote() {
    let why = not_healthiest(leaderless(1000).optime(3_000_000));
    assert_eq!(
        why,
        Ineligible::Lagging {
            lag: 2_999_000,
            max: 1_048_576
        }
    );
    assert_eq!(
        Reason::NotHealthiest(why).to_string(),
        "not promoting: lag 2.9 MB > maximum_lag_on_failover 1.0 MB"
    );
}

#[test]
fn replica_within_maximum_lag_promotes() {
    let d = leaderless(1000).optime(1_000_000).decide();
    assert_eq!(d.reason, Reason::Promoting);
}

#[test]
fn peer_with_more_wal_wins() {
    let why = not_healthiest(leaderless(1000).peer("node3", false, 1001, 1));
    assert_eq!(
        why,
        Ineligible::PeerAhead {
            peer: "node3".into()
        }
    );
}

#[test]
fn peer_still_running_as_primary_blocks_promotion() {
    let why = not_healthiest(leaderless(1000).peer("node3", true, 500, 1));
    assert_eq!(
        why,
        Ineligible::PeerIsPrimary {
            peer: "node3".into()
        }
    );
}

/// A peer that still runs as primary blocks a promotion whatever its tags: one that may not
/// promote itself (nofailover, failover_priority 0, a failed watchdog) still accepts writes.
/// Patroni skips such peers (`failover_limitation`); simulation seed 1002288 of
/// `--space full` (failsafe_mode, quorum, strict): a node whose agent restarted during a DCS
/// outage lost the primary's failsafe notice, skipped the primary (tagged so that it may not
/// promote) and promoted beside it.
#[test]
fn a_primary_peer_that_may_not_promote_still_blocks_promotion() {
    let why = not_healthiest(leaderless(1000).peer("node3", true, 500, 0));
    assert_eq!(
        why,
        Ineligible::PeerIsPrimary {
            peer: "node3".into()
        }
    );
}

#[test]
fn equal_wal_and_higher_failover_priority_wins() {
    let why = not_healthiest(leaderless(1000).peer("node3", false, 1000, 2));
    assert_eq!(
        why,
        Ineligible::PeerPreferred {
            peer: "node3".into()
        }
    );
}

#[test]
fn equal_wal_and_equal_priority_both_race() {
    let d = leaderless(1000).peer("node3", false, 1000, 1).decide();
    assert_eq!(d.reason, Reason::Promoting);
}

#[test]
fn former_leader_priority_is_ignored() {
    let d = leaderless(1000).peer("node1", false, 1000, 5).decide();
    assert_eq!(d.reason, Reason::Promoting);
}

#[test]
fn peers_that_cannot_be_asked_are_skipped() {
    let d = leaderless(1000).peer_unreachable("node3").decide();
    assert_eq!(d.reason, Reason::Promoting);
}

#[test]
fn nofailover_peer_ahead_does_not_block() {
    let d = leaderless(1000).peer("node3", false, 5000, 0).decide();
    assert_eq!(d.reason, Reason::Promoting);
}

#[test]
fn nofailover_tag_never_races() {
    let why = not_healthiest(leaderless(1000).tag("nofailover", true.into()));
    assert_eq!(why, Ineligible::NoFailover);
}

#[test]
fn failover_priority_zero_is_nofailover() {
    let why = not_healthiest(leaderless(1000).tag("failover_priority", 0.into()));
    assert_eq!(why, Ineligible::NoFailover);
}

#[test]
fn check_timeline_refuses_an_old_timeline() {
    let mut s = leaderless(1000).history(&[(1, 500)]);
    s.cfg.dynamic.check_timeline = true;
    let why = not_healthiest(s);
    assert_eq!(
        why,
        Ineligible::TimelineBehind {
            local: 1,
            cluster: 2
        }
    );
}

#[test]
fn timeline_older_than_the_history_races_and_promotes_above_the_taken_number() {
    // The node that started timeline 2 died before anyone followed it: waiting for it could
    // leave the cluster leaderless for good. node2 promotes, skipping timeline 2.
    let d = leaderless(1000).history(&[(1, 1200)]).decide();
    assert_eq!(d.reason, Reason::Promoting);
    let mut history = match crate::support::announce(1, 1000, "node2") {
        Action::WriteHistory(h) => h,
        other => panic!("announce gives a history: {other:?}"),
    };
    history.0.push(HistoryEntry {
        timeline: 2,
        switch_lsn: 0,
        reason: "timeline 2 skipped: taken by another branch".into(),
        timestamp: None,
        new_leader: Some("node2".into()),
    });
    assert_eq!(
        d.actions,
        vec![
            Action::AcquireLeader,
            Action::WriteHistory(history),
            Action::Promote { above_timeline: 2 }
        ]
    );
}

#[test]
fn a_member_on_a_later_timeline_raises_the_taken_number() {
    // node3 published timeline 3 but does not answer: numbers up to 3 are taken.
    let mut s = leaderless(1000).history(&[(1, 1000)]);
    if let Some(m) = s.cluster().members.iter_mut().find(|m| m.name == "node3") {
        m.data.timeline = Some(3);
    }
    let d = s.decide();
    assert_eq!(
        d.actions.last(),
        Some(&Action::Promote { above_timeline: 3 })
    );
}

#[test]
fn wal_the_older_timeline_had_before_the_switch_counts_as_lag() {
    // Timeline 1 went on to 5 MB before the switch: node2 at 1000 would lose it.
    let why = not_healthiest(leaderless(1000).history(&[(1, 5 * 1024 * 1024)]));
    assert!(
        matches!(why, Ineligible::Lagging { lag, .. } if lag == 5 * 1024 * 1024 - 1000),
        "{why:?}"
    );
}

/// The optime was published on timeline 1 after the promotion that ended it at 1000 (an old
/// primary that kept writing until its fence): WAL past 1000 on timeline 1 is on an abandoned
/// branch, and node2, on timeline 2, lags nothing (seed 337253 of the simulator's full space
/// stayed without a primary). Without the timeline (Patroni wrote the key) it is lag.
#[test]
fn an_optime_past_the_end_of_its_timeline_is_not_lag() {
    let promoted = |timeline| {
        let mut s = leaderless(1100)
            .history(&[(1, 1000)])
            .optime(3 * 1024 * 1024)
            .status_timeline(timeline);
        s.pg().timeline = Some(2);
        s.pg().timeline_history = vec![(1, pg_ha_core::lsn::Lsn(1000))];
        s
    };
    assert_eq!(promoted(Some(1)).decide().reason, Reason::Promoting);
    assert!(matches!(
        not_healthiest(promoted(None)),
        Ineligible::Lagging { .. }
    ));
    // Published on timeline 2, the same optime is WAL node2 lacks.
    assert!(matches!(
        not_healthiest(promoted(Some(2))),
        Ineligible::Lagging { .. }
    ));
}

#[test]
fn peer_on_a_later_timeline_wins() {
    let mut s = leaderless(1000).peer("node3", false, 900, 1);
    s.obs.peers[0].status.as_mut().expect("answered").timeline = Some(2);
    assert_eq!(
        not_healthiest(s),
        Ineligible::PeerAhead {
            peer: "node3".into()
        }
    );
}

#[test]
fn recent_failsafe_notice_from_a_leader_blocks_racing() {
    let mut s = leaderless(1000);
    s.obs.facts.failsafe_leader = Some(("node1".into(), NOW - Duration::from_secs(5)));
    assert_eq!(
        not_healthiest(s),
        Ineligible::FailsafeLeaderAlive {
            leader: "node1".into()
        }
    );
}

#[test]
fn old_failsafe_notice_does_not_block() {
    let mut s = leaderless(1000);
    s.obs.facts.failsafe_leader = Some(("node1".into(), NOW - Duration::from_secs(31)));
    assert_eq!(s.decide().reason, Reason::Promoting);
}

#[test]
fn node_missing_from_the_failsafe_map_may_not_race() {
    let mut s = leaderless(1000);
    s = s.failsafe_map(&["node3"]);
    assert_eq!(not_healthiest(s), Ineligible::NotInFailsafeMap);
}

/// The primary, cut from the DCS, rides on failsafe confirmations from the members of the
/// map; node2 is not in it, so it was never told, and a switchover naming it must not make
/// it a second writer (simulation seed 456 of `--space full`).
#[test]
fn a_switchover_candidate_missing_from_the_failsafe_map_may_not_race() {
    let mut s = leaderless(1000).failover(Some("node1"), Some("node2"), None);
    s = s.failsafe_map(&["node1", "node3"]);
    assert_eq!(not_healthiest(s), Ineligible::NotInFailsafeMap);
}

/// A peer outside the failsafe map may never promote while the map is in force: one ahead
/// of this node, or as far with a higher failover_priority, no longer defers it, or nobody
/// ever led again (simulation seed 3812 and 12 others in 30,000 of `--space full`). A
/// primary outside the map still blocks.
#[test]
fn a_peer_outside_the_failsafe_map_does_not_defer_a_member() {
    let in_map = |s: Situation| {
        let mut s = s;
        s = s.failsafe_map(&["node1", "node2"]);
        s
    };
    let ahead = in_map(leaderless(1000).peer("node3", false, 1100, 1));
    assert_eq!(ahead.decide().reason, Reason::Promoting);
    let preferred = in_map(leaderless(1000).peer("node3", false, 1000, 5));
    assert_eq!(preferred.decide().reason, Reason::Promoting);
    let primary = in_map(leaderless(1000).peer("node3", true, 1000, 1));
    assert_eq!(
        not_healthiest(primary),
        Ineligible::PeerIsPrimary {
            peer: "node3".into()
        }
    );
}

/// A failover request naming a node outside the failsafe map no longer holds the members
/// back: the candidate may never promote (simulation seed 9430 and 12 others in 30,000 of
/// `--space full`).
#[test]
fn a_candidate_outside_the_failsafe_map_does_not_hold_the_members_back() {
    let mut s = leaderless(1000)
        .failover(None, Some("node3"), None)
        .peer("node3", false, 1000, 1);
    s = s.failsafe_map(&["node1", "node2"]);
    assert_eq!(s.decide().reason, Reason::Promoting);
}

#[test]
fn stopped_node_without_leader_starts_as_replica_first() {
    let d = leaderless(1000)
        .pg_down(ProcessState::Crashed, 1000, 1, true)
        .decide();
    assert_eq!(d.reason, Reason::StartingAsReplica);
    assert_eq!(d.actions, vec![Action::StartStandby { upstream: None }]);
}

#[test]
fn starting_node_does_not_race() {
    let mut s = leaderless(1000);
    s.pg().process = ProcessState::Starting;
    assert_eq!(not_healthiest(s), Ineligible::PostgresNotRunning);
}

#[test]
fn running_primary_without_the_key_retakes_it_on_the_current_timeline() {
    let d = leaderless(1000).pg_primary(1000, 1).decide();
    assert_eq!(d.reason, Reason::AcquiringLeader);
    assert_eq!(d.actions, vec![Action::AcquireLeader]);
}

#[test]
fn stale_primary_on_an_old_timeline_demotes_instead() {
    let d = leaderless(1000)
        .pg_primary(1000, 1)
        .history(&[(1, 800)])
        .decide();
    assert_eq!(
        d.reason,
        Reason::NotHealthiest(Ineligible::TimelineBehind {
            local: 1,
            cluster: 2
        })
    );
    assert_eq!(
        d.actions,
        vec![
            Action::Stop {
                mode: StopMode::Immediate
            },
            Action::StartStandby { upstream: None }
        ]
    );
}

#[test]
fn unknown_wal_position_does_not_race() {
    let mut s = leaderless(1000);
    s.pg().receive_lsn = None;
    s.pg().replay_lsn = None;
    assert_eq!(not_healthiest(s), Ineligible::PositionUnknown);
}

#[test]
fn a_node_whose_required_watchdog_is_unusable_does_not_race() {
    let mut s = leaderless(1000).peer("node3", false, 900, 1);
    s.obs.facts.watchdog_unusable = true;
    assert_eq!(not_healthiest(s), Ineligible::WatchdogUnusable);
}

#[test]
fn primary_race_backoff_waits_while_wal_still_arrives() {
    let mut s = leaderless(1000).peer("node3", false, 900, 1);
    s.cfg.dynamic.primary_race_backoff = Duration::from_secs(10);
    s.cfg.dynamic.loop_wait = Duration::from_secs(1);
    s.obs.facts.leaderless_since = Some(NOW - Duration::from_secs(3));
    s.obs.facts.wal_progress = Some((pg_ha_core::Lsn(1000), NOW - Duration::from_millis(500)));
    let d = s.decide();
    assert_eq!(d.reason, Reason::NotHealthiest(Ineligible::RaceBackoff));
    assert_eq!(d.wake_at, Some(NOW + Duration::from_secs(1)));
    // WAL stopped arriving: race.
    s.obs.facts.wal_progress = Some((pg_ha_core::Lsn(1000), NOW - Duration::from_secs(2)));
    assert_eq!(s.decide().reason, Reason::Promoting);
    // Still arriving, but the backoff is over: race.
    s.obs.facts.wal_progress = Some((pg_ha_core::Lsn(1000), NOW));
    s.obs.facts.leaderless_since = Some(NOW - Duration::from_secs(10));
    assert_eq!(s.decide().reason, Reason::Promoting);
    // The first loop_wait after the key went: wait even without WAL.
    s.obs.facts.wal_progress = None;
    s.obs.facts.leaderless_since = Some(NOW - Duration::from_millis(200));
    assert_eq!(
        s.decide().reason,
        Reason::NotHealthiest(Ineligible::RaceBackoff)
    );
    // Off by default.
    s.cfg.dynamic.primary_race_backoff = Duration::ZERO;
    assert_eq!(s.decide().reason, Reason::Promoting);
}

/// Seeds 2421 and 7005 (20,000-seed run): the old leader of a switchover died right after
/// its promotion, before it published its position, so `status.optime` is an earlier
/// leader's, on another branch and beyond its own WAL. No other node may take over (older
/// timeline); the old leader must take the key back instead of waiting for WAL it can never
/// have.
#[test]
fn the_old_leader_of_a_switchover_retakes_the_key_despite_a_stale_optime() {
    let mut s = Situation::new("node3")
        .three_nodes(None, 1000)
        .pg_standby(1000, 7, None)
        .failover(Some("node3"), None, None)
        .member_timeline("node1", 6)
        .member_timeline("node2", 6)
        .peer("node1", false, 5000, 1)
        .peer("node2", false, 5000, 1)
        .optime(5000)
        .history(&[(1, 100), (2, 200), (3, 300), (4, 400), (5, 500), (6, 600)]);
    s.obs.facts.last_leader = Some("node3".into());
    for peer in &mut s.obs.peers {
        if let Some(status) = peer.status.as_mut() {
            status.timeline = Some(6);
        }
    }
    let d = s.decide();
    assert_eq!(d.reason, Reason::Promoting, "{d:?}");
    assert_eq!(d.actions[0], Action::AcquireLeader);
}

/// check_timeline: a promotion announced by a node that never confirmed it (no timestamp,
/// no member on the new timeline) and cannot answer does not bar the replicas: the announcer
/// may have died before promoting, and waiting for it would leave the cluster without a
/// primary for good (seed 3678 of `--space lossy`). A confirmed one, or a member reporting
/// the new timeline, still bars them.
#[test]
fn check_timeline_ignores_an_announcement_nobody_confirmed() {
    let announced = || {
        let mut s = leaderless(1000);
        s.cfg.dynamic.check_timeline = true;
        let Action::WriteHistory(history) = crate::support::announce(1, 900, "node3") else {
            unreachable!("announce writes the history")
        };
        s.cluster().history = history;
        s
    };
    assert_eq!(announced().decide().reason, Reason::Promoting);
    let mut confirmed = announced();
    confirmed.cluster().history.0[0].timestamp = Some("2026-12-04T10:00:00.000+00:00".into());
    assert_eq!(
        not_healthiest(confirmed),
        Ineligible::TimelineBehind {
            local: 1,
            cluster: 2
        }
    );
    let mut followed = announced();
    if let Some(m) = followed
        .cluster()
        .members
        .iter_mut()
        .find(|m| m.name == "node3")
    {
        m.data.timeline = Some(2);
    }
    assert!(matches!(
        not_healthiest(followed),
        Ineligible::TimelineBehind { .. }
    ));
}

/// A switchover key whose old leader is gone (it started the history's newest timeline and
/// was lost before anyone followed it): the others race as in an election, a node on the
/// older timeline too, within maximum_lag_on_failover of the switch point, and promote above
/// the taken number (seed 2648 of `--space lossy` stayed without a primary for good).
#[test]
fn a_switchover_whose_leader_is_gone_lets_an_older_timeline_race_within_the_lag() {
    let stale_switchover = |lsn: u64| {
        leaderless(lsn)
            .history(&[(1, 1000)])
            .failover(Some("node1"), None, None)
    };
    let d = stale_switchover(1000).decide();
    assert_eq!(d.reason, Reason::Promoting, "{d:?}");
    assert_eq!(
        d.actions.last(),
        Some(&Action::Promote { above_timeline: 2 })
    );
    // Further behind the switch point than maximum_lag_on_failover: it may not.
    let behind = 1000 + 2 * 1024 * 1024;
    let s = leaderless(1000)
        .history(&[(1, behind)])
        .failover(Some("node1"), None, None);
    assert_eq!(
        not_healthiest(s),
        Ineligible::TimelineBehind {
            local: 1,
            cluster: 2
        }
    );
}
