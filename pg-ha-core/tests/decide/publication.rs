//! The member key publication decide() asks for: rewrite when changed or missing, refresh
//! about every loop_wait, nothing in between, and only refresh while PostgreSQL is unknown.

use crate::support::{Situation, NOW};
use pg_ha_core::decide::{publication, PgView, Publication};
use pg_ha_core::model::{MemberData, MemberState, Role};
use std::time::Duration;

/// node2, a streaming replica of leader node1, listed in the cluster.
fn replica() -> Situation {
    Situation::new("node2")
        .three_nodes(Some("node1"), 1000)
        .pg_standby(1000, 1, Some("node1"))
}

fn published(s: &Situation) -> MemberData {
    match publication(&s.obs, &s.cfg) {
        Some(Publication::Write(data)) => data,
        other => panic!("expected a write, got {other:?}"),
    }
}

#[test]
fn first_cycle_writes_the_member_key_describing_the_server() {
    let s = replica();
    let data = published(&s);
    assert_eq!(data.role, Role::Replica);
    assert_eq!(data.state, MemberState::Running);
    assert_eq!(data.xlog_location, Some(1000));
    assert_eq!(publication(&s.obs, &s.cfg), Some(Publication::Write(data)));
}

#[test]
fn an_unchanged_key_is_refreshed_only_after_most_of_loop_wait() {
    let mut s = replica();
    let data = published(&s);
    s.obs.facts.published_member = Some((data.clone(), NOW - Duration::from_secs(5)));
    assert_eq!(publication(&s.obs, &s.cfg), None, "loop_wait is 10 s");
    s.obs.facts.published_member = Some((data.clone(), NOW - Duration::from_secs(9)));
    assert_eq!(
        publication(&s.obs, &s.cfg),
        Some(Publication::Refresh(data))
    );
}

#[test]
fn a_changed_value_or_a_missing_key_is_rewritten_at_once() {
    let mut s = replica();
    let data = published(&s);
    s.obs.facts.published_member = Some((data, NOW));
    let moved = s.pg_standby(2000, 1, Some("node1"));
    assert_eq!(published(&moved).xlog_location, Some(2000));
    let mut gone = moved;
    let current = published(&gone);
    gone.obs.facts.published_member = Some((current, NOW));
    gone.cluster().members.retain(|m| m.name != "node2");
    assert!(matches!(
        publication(&gone.obs, &gone.cfg),
        Some(Publication::Write(_))
    ));
}

#[test]
fn while_postgres_is_unknown_the_last_value_is_only_refreshed() {
    let mut s = replica();
    let data = published(&s);
    s.obs.pg = PgView::Unknown { since: NOW };
    assert_eq!(publication(&s.obs, &s.cfg), None, "nothing published yet");
    s.obs.facts.published_member = Some((data.clone(), NOW - Duration::from_secs(10)));
    assert_eq!(
        publication(&s.obs, &s.cfg),
        Some(Publication::Refresh(data))
    );
}

#[test]
fn nothing_is_published_while_the_dcs_is_unreachable() {
    let s = replica().dcs_down(Duration::from_secs(1));
    assert_eq!(publication(&s.obs, &s.cfg), None);
}

#[test]
fn a_scheduled_restart_is_published_in_the_member_key() {
    let mut s = replica();
    s.obs.facts.scheduled_restart = Some(pg_ha_core::decide::ScheduledRestart {
        at: s.obs.wall + 60_000,
        filters: Default::default(),
        published: serde_json::json!({"schedule": "2027-01-15T10:00:00+00:00"}),
    });
    assert_eq!(
        published(&s).scheduled_restart,
        Some(serde_json::json!({"schedule": "2027-01-15T10:00:00+00:00"}))
    );
}
