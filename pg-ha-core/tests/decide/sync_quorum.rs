//! Quorum mode on the leader: the `sync` key always covers `synchronous_standby_names`
//! (every name in the GUC is a voter, and quorum ≥ voters − k), for the GUC in force and the
//! next one, so that no commit a standby acknowledged is outside the reach of an election.

use crate::support::Situation;
use pg_ha_core::config::SyncMode;
use pg_ha_core::decide::Action;
use pg_ha_core::lsn::Lsn;
use pg_ha_core::model::{Condition, SyncState};
use pg_ha_core::postgres::SyncStandbyNames;

fn any(count: u32, names: &[&str]) -> SyncStandbyNames {
    SyncStandbyNames::Any {
        count,
        names: names.iter().map(|n| n.to_string()).collect(),
    }
}

/// node1 leads in quorum mode with the `sync` key listing `voters` with `quorum`, and
/// `guc` in force; the GUC last changed at LSN 1000.
fn leader(voters: &[&str], quorum: u32, guc: &SyncStandbyNames) -> Situation {
    let mut s = Situation::new("node1")
        .three_nodes(Some("node1"), 1000)
        .pg_primary(1000, 1)
        .sync_mode(SyncMode::Quorum)
        .sync("node1", voters, quorum)
        .sync_guc(&guc.to_guc());
    s.obs.facts.sync_names_lsn = Some(Lsn(1000));
    s
}

/// The actions after the lease renewal.
fn sync_actions(s: Situation) -> Vec<Action> {
    let d = s.decide();
    assert_eq!(d.actions.first(), Some(&Action::RenewLeader), "{d:?}");
    d.actions[1..].to_vec()
}

fn key(voters: &[&str], quorum: u32) -> Action {
    let names: Vec<String> = voters.iter().map(|n| n.to_string()).collect();
    Action::WriteSync {
        state: SyncState::new("node1", &names, quorum),
        condition: Condition::Version(50),
    }
}

/// Seed 11281 of `--space full`: a standby put into `ANY 1 (...)` before the key listed it
/// acknowledged a commit alone; the voters of the old key then elected a node without it.
#[test]
fn a_new_standby_joins_the_key_before_the_guc() {
    let s = leader(&["node2"], 0, &any(1, &["node2"]))
        .replica_conn("node2", "quorum", 1000)
        .replica_conn("node3", "async", 1000);
    assert_eq!(sync_actions(s), vec![key(&["node2", "node3"], 1)]);
}

#[test]
fn the_guc_follows_once_the_key_covers_it() {
    let s = leader(&["node2", "node3"], 1, &any(1, &["node2"]))
        .replica_conn("node2", "quorum", 1000)
        .replica_conn("node3", "async", 1000);
    assert_eq!(
        sync_actions(s),
        vec![Action::SetSyncStandbyNames(any(1, &["node2", "node3"]))]
    );
}

#[test]
fn a_key_that_does_not_cover_the_guc_in_force_widens_at_once() {
    let s = leader(&["node2"], 0, &any(1, &["node2", "node3"]))
        .replica_conn("node2", "quorum", 1000)
        .replica_conn("node3", "quorum", 1000);
    assert_eq!(sync_actions(s), vec![key(&["node2", "node3"], 1)]);
}

#[test]
fn a_departing_standby_leaves_the_guc_before_the_key() {
    let s = leader(&["node2", "node3"], 1, &any(1, &["node2", "node3"]))
        .replica_conn("node2", "quorum", 1000);
    assert_eq!(
        sync_actions(s),
        vec![Action::SetSyncStandbyNames(any(1, &["node2"]))]
    );
}

#[test]
fn the_key_narrows_only_once_enough_new_names_hold_the_old_commits() {
    let behind =
        leader(&["node2", "node3"], 1, &any(1, &["node2"])).replica_conn("node2", "quorum", 900);
    assert_eq!(sync_actions(behind), Vec::<Action>::new());
    let caught_up =
        leader(&["node2", "node3"], 1, &any(1, &["node2"])).replica_conn("node2", "quorum", 1000);
    assert_eq!(sync_actions(caught_up), vec![key(&["node2"], 0)]);
}

#[test]
fn a_smaller_count_raises_the_quorum_before_the_guc_changes() {
    let mut s = leader(&["node2", "node3"], 0, &any(2, &["node2", "node3"]))
        .replica_conn("node2", "quorum", 1000)
        .replica_conn("node3", "quorum", 1000);
    s.cfg.dynamic.synchronous_node_count = 1;
    assert_eq!(sync_actions(s), vec![key(&["node2", "node3"], 1)]);
}

#[test]
fn a_larger_count_changes_the_guc_first_and_then_lowers_the_quorum() {
    let mut s = leader(&["node2", "node3"], 1, &any(1, &["node2", "node3"]))
        .replica_conn("node2", "quorum", 1000)
        .replica_conn("node3", "quorum", 1000);
    s.cfg.dynamic.synchronous_node_count = 2;
    assert_eq!(
        sync_actions(s),
        vec![Action::SetSyncStandbyNames(any(2, &["node2", "node3"]))]
    );
    let mut s = leader(&["node2", "node3"], 1, &any(2, &["node2", "node3"]))
        .replica_conn("node2", "quorum", 1000)
        .replica_conn("node3", "quorum", 1000);
    s.cfg.dynamic.synchronous_node_count = 2;
    assert_eq!(sync_actions(s), vec![key(&["node2", "node3"], 0)]);
}

/// With the GUC off, a commit is on the leader alone: the key may list voters only once the
/// GUC names them and they have caught up, and while it lists none nobody else may promote.
#[test]
fn from_an_empty_guc_the_guc_goes_first() {
    let s = leader(&[], 0, &SyncStandbyNames::Off).replica_conn("node2", "async", 1000);
    assert_eq!(
        sync_actions(s),
        vec![Action::SetSyncStandbyNames(any(1, &["node2"]))]
    );
}

#[test]
fn when_every_standby_is_gone_the_key_blocks_elections_before_the_guc_empties() {
    let s = leader(&["node2"], 0, &any(1, &["node2"]));
    assert_eq!(sync_actions(s), vec![key(&["node2"], 1)]);
    let s = leader(&["node2"], 1, &any(1, &["node2"]));
    assert_eq!(
        sync_actions(s),
        vec![Action::SetSyncStandbyNames(SyncStandbyNames::Off)]
    );
    let s = leader(&["node2"], 1, &SyncStandbyNames::Off);
    assert_eq!(sync_actions(s), vec![key(&[], 0)]);
}

#[test]
fn a_key_in_step_with_the_guc_needs_nothing() {
    let s = leader(&["node2", "node3"], 1, &any(1, &["node2", "node3"]))
        .replica_conn("node2", "quorum", 1000)
        .replica_conn("node3", "quorum", 1000);
    assert_eq!(sync_actions(s), Vec::<Action>::new());
}
