use crate::support::Situation;
use pg_ha_core::config::SyncMode;
use pg_ha_core::decide::{Action, Ineligible, Reason};
use pg_ha_core::model::{Condition, SyncState};
use pg_ha_core::postgres::SyncStandbyNames;
use pg_ha_core::Lsn;

fn names(n: &[&str]) -> Vec<String> {
    n.iter().map(|s| s.to_string()).collect()
}

fn sync_leader() -> Situation {
    Situation::new("node1")
        .three_nodes(Some("node1"), 1000)
        .pg_primary(1000, 1)
        .sync_mode(SyncMode::On)
}

fn write(standbys: &[&str], condition: Condition) -> Action {
    Action::WriteSync {
        state: SyncState::new("node1", &names(standbys), 0),
        condition,
    }
}

#[test]
fn leader_creates_the_sync_key_listing_only_itself() {
    let d = sync_leader().decide();
    assert_eq!(d.reason, Reason::SyncUpdate);
    assert_eq!(
        d.actions,
        vec![Action::RenewLeader, write(&[], Condition::Absent)]
    );
}

#[test]
fn leader_takes_over_a_sync_key_written_by_another_leader() {
    let d = sync_leader().sync("node3", &["node1"], 0).decide();
    assert_eq!(
        d.actions,
        vec![Action::RenewLeader, write(&[], Condition::Version(50))]
    );
}

#[test]
fn new_standby_goes_into_the_guc_first() {
    let d = sync_leader()
        .sync("node1", &[], 0)
        .replica_conn("node2", "async", 1000)
        .decide();
    let guc = SyncStandbyNames::First {
        count: 1,
        names: names(&["node2"]),
    };
    assert_eq!(
        d.actions,
        vec![Action::RenewLeader, Action::SetSyncStandbyNames(guc)]
    );
}

#[test]
fn confirmed_standby_is_then_added_to_the_key() {
    let d = sync_leader()
        .sync("node1", &[], 0)
        .replica_conn("node2", "sync", 1000)
        .sync_guc("\"node2\"")
        .decide();
    assert_eq!(
        d.actions,
        vec![
            Action::RenewLeader,
            write(&["node2"], Condition::Version(50))
        ]
    );
}

#[test]
fn unconfirmed_standby_is_not_added_to_the_key_yet() {
    let d = sync_leader()
        .sync("node1", &[], 0)
        .replica_conn("node2", "async", 1000)
        .sync_guc("\"node2\"")
        .decide();
    assert_eq!(d.actions, vec![Action::RenewLeader]);
}

#[test]
fn disconnected_standby_leaves_the_key_before_the_guc() {
    let d = sync_leader()
        .sync("node1", &["node2"], 0)
        .sync_guc("\"node2\"")
        .decide();
    assert_eq!(
        d.actions,
        vec![Action::RenewLeader, write(&[], Condition::Version(50))]
    );
}

#[test]
fn guc_is_cleared_once_the_key_no_longer_lists_the_standby() {
    let d = sync_leader()
        .sync("node1", &[], 0)
        .sync_guc("\"node2\"")
        .decide();
    assert_eq!(
        d.actions,
        vec![
            Action::RenewLeader,
            Action::SetSyncStandbyNames(SyncStandbyNames::Off)
        ]
    );
}

#[test]
fn steady_sync_state_needs_nothing() {
    let d = sync_leader()
        .sync("node1", &["node2"], 0)
        .replica_conn("node2", "sync", 1000)
        .replica_conn("node3", "potential", 1000)
        .sync_guc("\"node2\"")
        .decide();
    assert_eq!(d.reason, Reason::LeaderRenewed);
    assert_eq!(d.actions, vec![Action::RenewLeader]);
}

#[test]
fn strict_mode_keeps_a_missing_standby_so_writes_block() {
    let mut s = sync_leader()
        .sync("node1", &["node2"], 0)
        .sync_guc("\"node2\"");
    s.cfg.dynamic.synchronous_mode_strict = true;
    let d = s.decide();
    assert_eq!(d.actions, vec![Action::RenewLeader]);
}

#[test]
fn strict_mode_without_any_standby_uses_the_placeholder() {
    let mut s = sync_leader().sync("node1", &[], 0);
    s.cfg.dynamic.synchronous_mode_strict = true;
    let d = s.decide();
    let guc = SyncStandbyNames::First {
        count: 1,
        names: names(&["__patroni_strict_sync_replica_placeholder__"]),
    };
    assert_eq!(
        d.actions,
        vec![Action::RenewLeader, Action::SetSyncStandbyNames(guc)]
    );
}

#[test]
fn nosync_standby_is_never_chosen() {
    let d = sync_leader()
        .member_tag("node2", "nosync", true.into())
        .sync("node1", &[], 0)
        .replica_conn("node2", "async", 1000)
        .decide();
    assert_eq!(d.actions, vec![Action::RenewLeader]);
}

#[test]
fn higher_sync_priority_is_preferred() {
    let d = sync_leader()
        .member_tag("node3", "sync_priority", 5.into())
        .sync("node1", &[], 0)
        .replica_conn("node2", "async", 2000)
        .replica_conn("node3", "async", 1000)
        .decide();
    let guc = SyncStandbyNames::First {
        count: 1,
        names: names(&["node3"]),
    };
    assert_eq!(d.actions[1], Action::SetSyncStandbyNames(guc));
}

#[test]
fn turning_sync_off_deletes_the_key_and_clears_the_guc() {
    let d = sync_leader()
        .sync_mode(SyncMode::Off)
        .sync("node1", &["node2"], 0)
        .sync_guc("\"node2\"")
        .decide();
    assert_eq!(
        d.actions,
        vec![
            Action::RenewLeader,
            Action::DeleteSync {
                condition: Condition::Version(50)
            },
            Action::SetSyncStandbyNames(SyncStandbyNames::Off)
        ]
    );
}

#[test]
fn sync_standby_promotes_after_taking_over_the_sync_key() {
    let mut s = Situation::new("node2")
        .three_nodes(None, 1000)
        .pg_standby(1000, 1, Some("node1"))
        .sync_mode(SyncMode::On)
        .sync("node1", &["node2"], 0);
    s.cluster().members.retain(|m| m.name != "node1");
    let d = s.decide();
    assert_eq!(
        d.actions,
        vec![
            Action::AcquireLeader,
            Action::WriteSync {
                state: SyncState::new("node2", &[], 0),
                condition: Condition::Version(50)
            },
            crate::support::announce(1, 1000, "node2"),
            Action::Promote { above_timeline: 1 },
            Action::SetSyncStandbyNames(SyncStandbyNames::Off),
        ]
    );
}

#[test]
fn strict_promotion_keeps_writes_blocked_on_the_other_standbys() {
    let mut s = Situation::new("node2")
        .three_nodes(None, 1000)
        .pg_standby(1000, 1, Some("node1"))
        .sync_mode(SyncMode::On)
        .sync("node1", &["node2", "node3"], 0);
    s.cfg.dynamic.synchronous_mode_strict = true;
    let d = s.decide();
    let guc = SyncStandbyNames::First {
        count: 1,
        names: names(&["node3"]),
    };
    assert_eq!(d.actions.last(), Some(&Action::SetSyncStandbyNames(guc)));
}

#[test]
fn async_standby_may_not_promote_in_sync_mode() {
    let d = Situation::new("node3")
        .three_nodes(None, 1000)
        .pg_standby(1000, 1, Some("node1"))
        .sync_mode(SyncMode::On)
        .sync("node1", &["node2"], 0)
        .decide();
    assert_eq!(d.reason, Reason::NotHealthiest(Ineligible::NotSyncStandby));
    assert!(d.actions.is_empty());
}

#[test]
fn async_peer_ahead_does_not_block_the_sync_standby() {
    let d = Situation::new("node2")
        .three_nodes(None, 1000)
        .pg_standby(1000, 1, Some("node1"))
        .sync_mode(SyncMode::On)
        .sync("node1", &["node2"], 0)
        .peer("node3", false, 2000, 1)
        .decide();
    assert_eq!(d.reason, Reason::Promoting);
}

#[test]
fn switchover_in_sync_mode_only_to_a_sync_standby() {
    let d = sync_leader()
        .sync("node1", &["node2"], 0)
        .sync_guc("\"node2\"")
        .replica_conn("node2", "sync", 1000)
        .failover(Some("node1"), Some("node3"), None)
        .peer("node3", false, 1000, 1)
        .decide();
    assert!(matches!(d.reason, Reason::FailoverRejected { .. }));
}

#[test]
fn quorum_mode_needs_more_votes_than_the_quorum() {
    let d = Situation::new("node2")
        .three_nodes(None, 1000)
        .pg_standby(1000, 1, Some("node1"))
        .sync_mode(SyncMode::Quorum)
        .sync("node1", &["node2", "node3"], 1)
        .peer_unreachable("node3")
        .decide();
    assert_eq!(
        d.reason,
        Reason::NotHealthiest(Ineligible::NoQuorum {
            votes: 1,
            needed: 2
        })
    );
}

#[test]
fn quorum_mode_promotes_with_enough_votes() {
    let d = Situation::new("node2")
        .three_nodes(None, 1000)
        .pg_standby(1000, 1, Some("node1"))
        .sync_mode(SyncMode::Quorum)
        .sync("node1", &["node2", "node3"], 1)
        .peer("node3", false, 900, 1)
        .decide();
    assert_eq!(d.reason, Reason::Promoting);
}

#[test]
fn quorum_mode_guc_is_any_n() {
    let d = sync_leader()
        .sync_mode(SyncMode::Quorum)
        .sync("node1", &[], 0)
        .replica_conn("node2", "async", 1000)
        .replica_conn("node3", "async", 1000)
        .decide();
    let guc = SyncStandbyNames::Any {
        count: 1,
        names: names(&["node2", "node3"]),
    };
    assert_eq!(d.actions[1], Action::SetSyncStandbyNames(guc));
}

#[test]
fn standby_reported_sync_but_behind_the_listing_point_is_not_confirmed_yet() {
    let mut s = sync_leader()
        .sync("node1", &[], 0)
        .replica_conn("node2", "sync", 900)
        .sync_guc("\"node2\"");
    s.obs.facts.sync_names_lsn = Some(Lsn(1000));
    assert_eq!(s.decide().actions, vec![Action::RenewLeader]);
    let mut s = sync_leader()
        .sync("node1", &[], 0)
        .replica_conn("node2", "sync", 1000)
        .sync_guc("\"node2\"");
    s.obs.facts.sync_names_lsn = Some(Lsn(1000));
    assert_eq!(
        s.decide().actions,
        vec![
            Action::RenewLeader,
            write(&["node2"], Condition::Version(50))
        ]
    );
}

/// node2, the sync standby of node3 (timeline 2), wrote the pre-promote key and died before
/// its promotion; node3 froze. node1, not a sync member, must not promote: node2 may hold
/// commits node1 lacks, and only the key says so (simulation seed 41227).
#[test]
fn pending_pre_promote_key_bars_the_others_although_history_names_another_leader() {
    let mut s = Situation::new("node1")
        .three_nodes(None, 1000)
        .pg_standby(1000, 2, Some("node3"))
        .sync_mode(SyncMode::On)
        .sync("node2", &[], 0)
        .history(&[(1, 900)])
        // node2 followed node3's timeline before it wrote the key.
        .member_timeline("node2", 2);
    s.cluster().history.0[0].new_leader = Some("node3".into());
    assert_eq!(
        s.decide().reason,
        Reason::NotHealthiest(Ineligible::NotSyncStandby)
    );
}

/// A key left by an earlier leader: node3 led with synchronous mode on, the mode was turned
/// off and node1 was promoted (timeline 2) without taking over the key, then lost the DCS
/// before it could delete it; the mode is back on. node3 is still on timeline 1, which the
/// history ended: the key protects nothing any more, and node1, with the newest WAL, takes
/// over (seeds 454786 and 579932 of the simulator's full space stayed without a primary).
#[test]
fn a_sync_key_whose_leader_is_on_an_ended_timeline_does_not_bar_the_promoted_node() {
    let stale = |node3_timeline| {
        let mut s = Situation::new("node1")
            .three_nodes(None, 1000)
            .pg_standby(1100, 2, None)
            .sync_mode(SyncMode::On)
            .sync("node3", &[], 0)
            .history(&[(1, 900)])
            .member_timeline("node3", node3_timeline);
        s.cluster().history.0[0].new_leader = Some("node1".into());
        s.decide().reason
    };
    assert_eq!(stale(1), Reason::Promoting);
    // A key leader on the newest timeline may have written the key after that promotion
    // (about to promote itself): it stays in force.
    assert_eq!(stale(2), Reason::NotHealthiest(Ineligible::NotSyncStandby));
}

/// The only sync member lags behind an optime that the old primary published on a branch
/// that has since ended; the WAL it lacks was never acknowledged, so it promotes rather than
/// leave the cluster without a primary (simulation seed 77753).
#[test]
fn sync_member_promotes_beyond_maximum_lag_on_failover() {
    let s = Situation::new("node2")
        .three_nodes(None, 1000)
        .pg_standby(1000, 1, Some("node1"))
        .sync_mode(SyncMode::On)
        .sync("node2", &[], 0)
        .optime(3_000_000);
    assert_eq!(s.decide().reason, Reason::Promoting);
}

#[test]
fn outside_synchronous_mode_the_same_lag_bars_the_promotion() {
    let s = Situation::new("node2")
        .three_nodes(None, 1000)
        .pg_standby(1000, 1, Some("node1"))
        .optime(3_000_000);
    assert!(matches!(
        s.decide().reason,
        Reason::NotHealthiest(Ineligible::Lagging { .. })
    ));
}

/// node1, the leader, died with a switchover to node3 pending; node3 is not a synchronous
/// member, so it may lack commits node1 acknowledged: it must not take over, and the sync
/// standby node2 does instead (simulation seeds 391, 1214, 3158 with the oracle that judges
/// switchovers too).
#[test]
fn a_switchover_never_promotes_a_non_sync_candidate_whose_leader_is_gone() {
    let leaderless = |me: &str| {
        let mut s = Situation::new(me)
            .three_nodes(None, 1000)
            .pg_standby(1000, 1, Some("node1"))
            .sync_mode(SyncMode::On)
            .sync("node1", &["node2"], 0)
            .failover(Some("node1"), Some("node3"), None);
        s.cluster().members.retain(|m| m.name != "node1");
        s
    };
    assert_eq!(
        leaderless("node3").decide().reason,
        Reason::NotHealthiest(Ineligible::NotSyncStandby)
    );
    assert_eq!(leaderless("node2").decide().reason, Reason::Promoting);
}

#[test]
fn a_manual_failover_may_promote_a_non_sync_candidate() {
    let mut s = Situation::new("node3")
        .three_nodes(None, 1000)
        .pg_standby(1000, 1, Some("node1"))
        .sync_mode(SyncMode::On)
        .sync("node1", &["node2"], 0)
        .failover(None, Some("node3"), None);
    s.cluster().members.retain(|m| m.name != "node1");
    assert_eq!(s.decide().reason, Reason::Promoting);
}

/// A switchover from node1 made node2 the leader (it took over the `sync` key and
/// acknowledged commits alone); node2's lease then ran out with the request still in the DCS.
/// node1, the old leader, is no synchronous member any more and must not take the key back
/// (simulation seed 7229).
#[test]
fn the_old_leader_of_a_switchover_does_not_retake_the_key_outside_the_sync_key() {
    let s = Situation::new("node1")
        .three_nodes(None, 1000)
        .pg_standby(1000, 2, Some("node2"))
        .sync_mode(SyncMode::On)
        .sync("node2", &[], 0)
        .failover(Some("node1"), None, None);
    assert_eq!(
        s.decide().reason,
        Reason::NotHealthiest(Ineligible::NotSyncStandby)
    );
}

/// The quorum node of a leaderless cluster with voters node2 and node3, quorum 1.
fn quorum_leaderless(me: &str) -> Situation {
    Situation::new(me)
        .three_nodes(None, 1000)
        .pg_standby(1000, 1, Some("node1"))
        .sync_mode(SyncMode::Quorum)
        .sync("node1", &["node2", "node3"], 1)
}

/// A switchover's race, its leader gone, still needs a quorum of votes: the commits may be
/// on node3 alone (simulation seed 673 of `--space full`).
#[test]
fn quorum_mode_race_after_a_switchover_request_needs_the_votes() {
    let mut s = quorum_leaderless("node2")
        .failover(Some("node1"), None, None)
        .peer_unreachable("node3");
    s.cluster().members.retain(|m| m.name != "node1");
    assert_eq!(
        s.decide().reason,
        Reason::NotHealthiest(Ineligible::NoQuorum {
            votes: 1,
            needed: 2
        })
    );
}

/// The named candidate of a switchover whose leader is gone needs the votes too in quorum
/// mode (simulation seed 853 of `--space full`); with them it promotes.
#[test]
fn quorum_mode_switchover_candidate_without_its_leader_needs_the_votes() {
    let mut alone = quorum_leaderless("node2").failover(Some("node1"), Some("node2"), None);
    alone.cluster().members.retain(|m| m.name != "node1");
    let no_vote = alone.peer_unreachable("node3");
    assert!(matches!(
        no_vote.decide().reason,
        Reason::NotHealthiest(Ineligible::NoQuorum { .. })
    ));
    let mut voted = quorum_leaderless("node2").failover(Some("node1"), Some("node2"), None);
    voted.cluster().members.retain(|m| m.name != "node1");
    assert_eq!(
        voted.peer("node3", false, 900, 1).decide().reason,
        Reason::Promoting
    );
}

/// A peer whose server reports no WAL position does not vote (as Patroni).
#[test]
fn quorum_mode_a_peer_without_a_position_does_not_vote() {
    let mut s = quorum_leaderless("node2").peer("node3", false, 900, 1);
    s.obs.peers[0]
        .status
        .as_mut()
        .expect("answered")
        .wal_position = None;
    assert!(matches!(
        s.decide().reason,
        Reason::NotHealthiest(Ineligible::NoQuorum { .. })
    ));
}

/// The former sync leader may take over alone when nobody is ahead of it (as Patroni).
#[test]
fn quorum_mode_the_former_leader_needs_no_votes_when_nobody_is_ahead() {
    let s = Situation::new("node1")
        .three_nodes(None, 1000)
        .pg_standby(1000, 1, None)
        .sync_mode(SyncMode::Quorum)
        .sync("node1", &["node2", "node3"], 1)
        .peer_unreachable("node2")
        .peer_unreachable("node3");
    assert_eq!(s.decide().reason, Reason::Promoting);
}

/// After a switchover request in quorum mode with no voters (the old leader acknowledged
/// alone), no other node can gather votes: the old leader takes the key back instead of
/// waiting for them for good (simulation seed 82 of `--space full`).
#[test]
fn quorum_mode_old_leader_retakes_the_key_when_no_voter_can_take_over() {
    let s = Situation::new("node1")
        .three_nodes(None, 1000)
        .pg_standby(1000, 1, None)
        .sync_mode(SyncMode::Quorum)
        .sync("node1", &[], 0)
        .failover(Some("node1"), None, None)
        .peer("node2", false, 900, 1)
        .peer("node3", false, 900, 1);
    assert_eq!(s.decide().reason, Reason::Promoting);
}

/// In quorum mode a non-voter's higher failover_priority does not defer the former leader:
/// the non-voter could never gather the votes (simulation seed 2471 of `--space full`).
#[test]
fn quorum_mode_a_non_voter_s_priority_does_not_defer_the_former_leader() {
    let s = Situation::new("node1")
        .three_nodes(None, 1000)
        .pg_standby(1000, 1, None)
        .sync_mode(SyncMode::Quorum)
        .sync("node1", &[], 0)
        .peer("node2", false, 1000, 5);
    assert_eq!(s.decide().reason, Reason::Promoting);
}

/// The `sync` key's former leader votes too (Patroni's voting set is the leader and the
/// standbys): a former leader that runs as a replica and is not ahead proves this node has
/// every commit it acknowledged. Without its vote, a cluster whose only other voter is gone
/// stayed leaderless for good (seeds 2638, 4339 and 40 others in 30,000 of `--space full`).
#[test]
fn quorum_mode_the_former_leader_votes() {
    let s = quorum_leaderless("node2")
        .peer_unreachable("node3")
        .peer("node1", false, 900, 1);
    assert_eq!(s.decide().reason, Reason::Promoting);
    let ahead = quorum_leaderless("node2")
        .peer_unreachable("node3")
        .peer("node1", false, 1100, 1);
    assert!(matches!(ahead.decide().reason, Reason::NotHealthiest(_)));
}

/// A voter on a later timeline is ahead of a candidate left on the abandoned branch, however
/// far that branch goes: it does not vote, and the candidate does not take over without the
/// new timeline's commits (seed 185693 of `--space full`: raw positions compared across
/// timelines counted the new primary, restarted as a replica, as a vote). On the candidate's
/// own timeline history, a voter that stopped at the switch point still votes.
#[test]
fn quorum_mode_a_voter_on_a_later_timeline_is_ahead() {
    let later = quorum_leaderless("node2")
        .pg_standby(1500, 1, None)
        .peer_unreachable("node3")
        .peer("node1", false, 1200, 1);
    let mut later = later;
    later.obs.peers[1]
        .status
        .as_mut()
        .expect("answered")
        .timeline = Some(2);
    assert!(
        matches!(later.decide().reason, Reason::NotHealthiest(_)),
        "{:?}",
        later.decide().reason
    );
    // On timeline 2 since 1000: a voter on timeline 1 up to 1000 votes, past it does not.
    let on_tl2 = |voter_lsn: u64| {
        let mut s = quorum_leaderless("node2")
            .pg_standby(1500, 2, None)
            .peer_unreachable("node3")
            .peer("node1", false, voter_lsn, 1);
        s.pg().timeline_history = vec![(1, Lsn(1000))];
        s.decide().reason
    };
    assert_eq!(on_tl2(1000), Reason::Promoting);
    assert!(matches!(on_tl2(1100), Reason::NotHealthiest(_)));
}

/// A switchover's old leader defers to another node only if that one could take over: in
/// quorum mode a candidate behind the other voters cannot gather the votes, and the old
/// leader, with the votes, takes the key back (seed 175986 of `--space full`: each waited
/// for the other, for good). A candidate with the votes is still deferred to.
#[test]
fn quorum_mode_the_old_leader_does_not_wait_for_a_candidate_without_votes() {
    let situation = |candidate_lsn: u64| {
        Situation::new("node2")
            .three_nodes(None, 1000)
            .pg_standby(2000, 1, None)
            .sync_mode(SyncMode::Quorum)
            .sync("node2", &["node1", "node3"], 1)
            .failover(Some("node2"), Some("node1"), None)
            .peer("node1", false, candidate_lsn, 1)
            .peer("node3", false, 2000, 0)
    };
    assert_eq!(situation(1500).decide().reason, Reason::Promoting);
    assert!(matches!(
        situation(2000).decide().reason,
        Reason::NotHealthiest(Ineligible::NotTheCandidate { .. })
    ));
}

/// A switchover candidate whose leader is gone and that cannot gather the quorum votes (a
/// voter is ahead of it) no longer holds the others back: they race with their own votes
/// (simulation seed 2477 of `--space full`, leaderless for good).
#[test]
fn quorum_mode_a_candidate_short_of_votes_does_not_hold_the_others_back() {
    let mut s = quorum_leaderless("node2")
        .failover(Some("node1"), Some("node3"), None)
        .peer("node3", false, 900, 1);
    s.cluster().members.retain(|m| m.name != "node1");
    assert_eq!(s.decide().reason, Reason::Promoting);
    let mut level = quorum_leaderless("node2")
        .failover(Some("node1"), Some("node3"), None)
        .peer("node3", false, 1000, 1);
    level.cluster().members.retain(|m| m.name != "node1");
    assert_eq!(
        level.decide().reason,
        Reason::NotHealthiest(Ineligible::NotTheCandidate {
            candidate: "node3".into()
        })
    );
}

/// Quorum mode: once the switchover's new leader took the `sync` key (it alone holds the
/// commits it acknowledged since), the old leader takes the key back only with the votes any
/// candidate needs (seed 87091 of `--space full` lost an acknowledged commit).
#[test]
fn quorum_mode_old_leader_needs_the_votes_once_the_new_leader_took_the_sync_key() {
    let s = Situation::new("node1")
        .three_nodes(None, 1000)
        .pg_standby(1000, 1, None)
        .sync_mode(SyncMode::Quorum)
        .sync("node2", &[], 0)
        .failover(Some("node1"), None, None)
        .peer_unreachable("node2")
        .peer("node3", false, 900, 1);
    let d = s.decide();
    assert!(d.actions.is_empty(), "{d:?}");
    assert!(
        matches!(d.reason, Reason::NotHealthiest(Ineligible::NoQuorum { .. })),
        "{d:?}"
    );
}

/// A standby that took the leader key on a stale view (a slow DCS read) promotes only if this
/// cycle's view still lets it: here the `sync` key of a newer leader needs a vote it cannot
/// get, so it gives the key back (simulation seed 912452 of `--space full`: it promoted and
/// lost commits acknowledged under the quorum); with the vote it promotes.
#[test]
fn quorum_mode_a_key_holder_still_a_standby_promotes_only_with_the_votes() {
    let holder = || quorum_leaderless("node2").leader("node2");
    let d = holder().peer_unreachable("node3").decide();
    assert_eq!(
        d.reason,
        Reason::NotHealthiest(Ineligible::NoQuorum {
            votes: 1,
            needed: 2
        })
    );
    assert_eq!(d.actions, vec![Action::ReleaseLeader]);
    let d = holder().peer("node3", false, 900, 1).decide();
    assert_eq!(d.reason, Reason::Promoting);
}
