//! The server configuration follows the dynamic `postgresql` section: applied when it is not
//! the one last applied, in every role and in pause, before the first PostgreSQL action of
//! the cycle; not before the data directory exists, and not while shutting down.

use crate::support::Situation;
use pg_ha_core::decide::{Action, LocalRequest};
use pg_ha_core::postgres::ProcessState;
use serde_json::json;
use std::time::Duration;

fn apply(s: &Situation) -> Action {
    Action::ApplyConfig(s.cfg.dynamic.postgresql.clone())
}

fn leader() -> Situation {
    Situation::new("node1")
        .three_nodes(Some("node1"), 1000)
        .pg_primary(1000, 1)
        .renewed(Duration::from_secs(1))
}

#[test]
fn an_applied_section_is_not_applied_again() {
    let mut s = leader();
    s.obs.facts.applied_postgresql = Some(s.cfg.dynamic.postgresql.clone());
    s.config_unapplied = true;
    assert!(!s
        .decide()
        .actions
        .iter()
        .any(|a| matches!(a, Action::ApplyConfig(_))));
}

#[test]
fn the_leader_applies_a_changed_section_after_renewing_its_lease() {
    let mut s = leader();
    s.obs.facts.applied_postgresql = Some(s.cfg.dynamic.postgresql.clone());
    s.config_unapplied = true;
    s.cfg
        .dynamic
        .postgresql
        .parameters
        .insert("work_mem".into(), json!("8MB"));
    let actions = s.decide().actions;
    assert_eq!(actions.first(), Some(&Action::RenewLeader));
    assert_eq!(
        actions.iter().filter(|a| **a == apply(&s)).count(),
        1,
        "{actions:?}"
    );
}

#[test]
fn a_stopped_replica_applies_it_before_starting() {
    let mut s = Situation::new("node2")
        .three_nodes(Some("node1"), 1000)
        .pg_standby(900, 1, Some("node1"));
    s.pg().process = ProcessState::Stopped;
    s.config_unapplied = true;
    let actions = s.decide().actions;
    let applied = actions.iter().position(|a| *a == apply(&s));
    let started = actions
        .iter()
        .position(|a| matches!(a, Action::StartStandby { .. }));
    assert!(
        applied.is_some() && started.is_some() && applied < started,
        "{actions:?}"
    );
}

#[test]
fn a_paused_replica_applies_it_too() {
    let mut s = Situation::new("node2")
        .three_nodes(Some("node1"), 1000)
        .pg_standby(1000, 1, Some("node1"))
        .paused();
    s.config_unapplied = true;
    assert!(s.decide().actions.contains(&apply(&s)));
}

#[test]
fn nothing_is_applied_without_a_data_directory_or_while_shutting_down() {
    let mut empty = Situation::new("node3").three_nodes(Some("node1"), 1000);
    empty.config_unapplied = true;
    assert!(!empty.decide().actions.contains(&apply(&empty)));
    let mut leaving = leader();
    leaving.config_unapplied = true;
    leaving.obs.facts.request = Some(LocalRequest::Shutdown);
    assert!(!leaving.decide().actions.contains(&apply(&leaving)));
}
