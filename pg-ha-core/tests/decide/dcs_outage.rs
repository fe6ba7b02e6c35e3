use crate::support::{Situation, NOW};
use pg_ha_core::decide::{Action, PgView, Reason};
use pg_ha_core::postgres::StopMode;
use std::time::Duration;

fn primary_cut_off(renewed_ago: u64) -> Situation {
    Situation::new("node1")
        .three_nodes(Some("node1"), 1000)
        .pg_primary(1000, 1)
        .renewed(Duration::from_secs(renewed_ago))
        .dcs_down(Duration::from_secs(3))
}

#[test]
fn primary_keeps_writing_while_its_lease_is_valid_locally() {
    // ttl 30, safety margin 5: the lease is usable for 25 s after the renewal was sent; the
    // clean stop starts 2 s before that.
    let d = primary_cut_off(5).decide();
    assert_eq!(
        d.reason,
        Reason::DcsUnreachableHoldingLease {
            remaining: Duration::from_secs(20)
        }
    );
    assert!(d.actions.is_empty());
    assert_eq!(d.wake_at, Some(NOW + Duration::from_secs(18)));
}

#[test]
fn primary_stops_cleanly_shortly_before_its_lease_deadline() {
    // A fast shutdown ends the commits and lets the walsenders send every WAL record, so a
    // standby elected after the lease expires has every acknowledged commit.
    let d = primary_cut_off(23).decide();
    assert_eq!(
        d.reason,
        Reason::DcsUnreachableDemotingCleanly {
            remaining: Duration::from_secs(2)
        }
    );
    assert_eq!(
        d.actions,
        vec![
            Action::Stop {
                mode: StopMode::Fast
            },
            Action::StartStandby { upstream: None }
        ]
    );
    let d = primary_cut_off(22).decide();
    assert!(matches!(
        d.reason,
        Reason::DcsUnreachableHoldingLease { .. }
    ));
}

#[test]
fn primary_demotes_once_the_local_lease_deadline_passes() {
    let d = primary_cut_off(25).decide();
    assert_eq!(d.reason, Reason::DcsUnreachableDemoting);
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
fn short_ttl_uses_a_proportional_margin() {
    // ttl 5 -> margin 1.25 s -> budget 3.75 s; the clean stop starts a quarter of the budget
    // (0.9375 s) before the deadline.
    let mut s = primary_cut_off(2);
    s.cfg.dynamic.ttl = Duration::from_secs(5);
    s.cfg.dynamic.loop_wait = Duration::from_secs(1);
    s.cfg.dynamic.retry_timeout = Duration::from_secs(2);
    let d = s.decide();
    assert_eq!(
        d.reason,
        Reason::DcsUnreachableHoldingLease {
            remaining: Duration::from_millis(1750)
        }
    );
    assert_eq!(d.wake_at, Some(NOW + Duration::from_micros(812_500)));
    let mut s = primary_cut_off(3);
    s.cfg.dynamic.ttl = Duration::from_secs(5);
    assert_eq!(
        s.decide().reason,
        Reason::DcsUnreachableDemotingCleanly {
            remaining: Duration::from_millis(750)
        }
    );
    let mut s = primary_cut_off(4);
    s.cfg.dynamic.ttl = Duration::from_secs(5);
    assert_eq!(s.decide().reason, Reason::DcsUnreachableDemoting);
}

#[test]
fn primary_that_never_renewed_demotes() {
    let mut s = primary_cut_off(0);
    s.obs.facts.lease_renewed_at = None;
    assert_eq!(s.decide().reason, Reason::DcsUnreachableDemoting);
}

#[test]
fn failsafe_confirmation_keeps_the_primary_past_its_lease() {
    let mut s = primary_cut_off(40);
    s.cfg.dynamic.failsafe_mode = true;
    s.obs.facts.failsafe_confirmed_at = Some(NOW);
    let d = s.decide();
    assert_eq!(d.reason, Reason::FailsafeHolding);
    assert!(d.actions.is_empty());
    assert_eq!(d.wake_at, Some(NOW + Duration::from_secs(23)));
}

#[test]
fn failsafe_without_confirmation_demotes() {
    let mut s = primary_cut_off(40);
    s.cfg.dynamic.failsafe_mode = true;
    assert_eq!(s.decide().reason, Reason::DcsUnreachableDemoting);
}

#[test]
fn failsafe_confirmation_is_ignored_when_failsafe_mode_is_off() {
    let mut s = primary_cut_off(40);
    s.obs.facts.failsafe_confirmed_at = Some(NOW);
    assert_eq!(s.decide().reason, Reason::DcsUnreachableDemoting);
}

#[test]
fn replica_does_nothing_while_the_dcs_is_down() {
    let d = Situation::new("node2")
        .three_nodes(Some("node1"), 1000)
        .pg_standby(1000, 1, Some("node1"))
        .dcs_down(Duration::from_secs(60))
        .decide();
    assert_eq!(d.reason, Reason::DcsUnreachableWaiting);
    assert!(d.actions.is_empty());
}

#[test]
fn paused_primary_keeps_running_without_the_dcs() {
    let d = primary_cut_off(60).paused().decide();
    assert_eq!(d.reason, Reason::Paused);
    assert!(d.actions.is_empty());
}

#[test]
fn unknown_postgres_on_the_leader_keeps_the_lease() {
    let mut s = Situation::new("node1").three_nodes(Some("node1"), 1000);
    s.obs.pg = PgView::Unknown {
        since: NOW - Duration::from_secs(5),
    };
    let d = s.decide();
    assert_eq!(d.reason, Reason::PostgresUnknown);
    assert_eq!(d.actions, vec![Action::RenewLeader]);
}

#[test]
fn unknown_postgres_past_primary_start_timeout_stops_before_releasing() {
    let mut s = Situation::new("node1").three_nodes(Some("node1"), 1000);
    s.obs.pg = PgView::Unknown {
        since: NOW - Duration::from_secs(301),
    };
    let d = s.decide();
    assert_eq!(d.reason, Reason::PrimaryStartTimedOut);
    assert_eq!(
        d.actions,
        vec![
            Action::Stop {
                mode: StopMode::Immediate
            },
            Action::ReleaseLeader
        ]
    );
}

#[test]
fn unknown_postgres_on_a_replica_waits() {
    let mut s = Situation::new("node2").three_nodes(Some("node1"), 1000);
    s.obs.pg = PgView::Unknown { since: NOW };
    let d = s.decide();
    assert_eq!(d.reason, Reason::PostgresUnknown);
    assert!(d.actions.is_empty());
}
