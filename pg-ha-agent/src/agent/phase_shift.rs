//! A one-off random shift of the loop's phase after this node takes the leader key.
//!
//! A node that takes the key after the old leader's lease expired does so right after the
//! DCS's expiry timer removed the old key (etcd checks for expired leases every 500 ms), so
//! its renewals, loop_wait apart, keep nearly that phase: each renewal's lease would run out
//! just after one of those checks, and if this node dies soon, etcd notices its expired
//! lease almost a whole check period late. Shortening one wait by a random part of
//! loop_wait / 2 (a whole check period at loop_wait 1 s) after the election breaks the lock;
//! a long-running leader's phase drifts to random anyway.

use pg_ha_core::decide::Action;
use pg_ha_core::runner::StepReport;
use pg_ha_core::time::Mono;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// Whether a shift is due, and applying it.
#[derive(Debug, Default)]
pub(super) struct PhaseShift {
    pending: bool,
}

impl PhaseShift {
    /// The wake time after `report`: `next_wake`, moved earlier by a random part of
    /// `loop_wait / 2` on the first regular wait after an election this node won.
    pub(super) fn next_wake(
        &mut self,
        report: &StepReport,
        now: Mono,
        loop_wait: Duration,
    ) -> Mono {
        if acquired_leader(report) {
            self.pending = true;
            return report.next_wake;
        }
        let half = loop_wait / 2;
        if !self.pending || report.next_wake.since(now) < half {
            return report.next_wake;
        }
        self.pending = false;
        let shift = half.mul_f64(random_fraction());
        tracing::debug!(?shift, "shifting the loop's phase after the election");
        report.next_wake - shift
    }
}

fn acquired_leader(report: &StepReport) -> bool {
    report
        .executed
        .iter()
        .any(|o| o.action == Action::AcquireLeader && o.result.is_ok())
}

/// A number in [0, 1), different on every call.
fn random_fraction() -> f64 {
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use pg_ha_core::decide::{Decision, Reason};
    use pg_ha_core::runner::ActionOutcome;

    const LOOP_WAIT: Duration = Duration::from_secs(1);

    fn report(next_wake_ms: u64, acquired: bool) -> StepReport {
        let executed = if acquired {
            vec![ActionOutcome {
                action: Action::AcquireLeader,
                result: Ok(()),
            }]
        } else {
            Vec::new()
        };
        StepReport {
            decision: Decision::idle(Reason::LeaderRenewed),
            executed,
            next_wake: Mono::from_millis(next_wake_ms),
        }
    }

    #[test]
    fn one_regular_wait_after_an_election_is_shortened_by_at_most_half_loop_wait() {
        let mut shift = PhaseShift::default();
        let now = Mono::from_millis(10_000);
        assert_eq!(
            shift.next_wake(&report(10_100, true), now, LOOP_WAIT),
            Mono::from_millis(10_100)
        );
        // The quick follow-up after the role change is left alone; the shift stays due.
        assert_eq!(
            shift.next_wake(&report(10_100, false), now, LOOP_WAIT),
            Mono::from_millis(10_100)
        );
        let shifted = shift.next_wake(&report(11_000, false), now, LOOP_WAIT);
        assert!(shifted <= Mono::from_millis(11_000) && shifted > Mono::from_millis(10_500));
        // Once only.
        assert_eq!(
            shift.next_wake(&report(11_000, false), now, LOOP_WAIT),
            Mono::from_millis(11_000)
        );
    }

    #[test]
    fn no_shift_without_an_election() {
        let mut shift = PhaseShift::default();
        let now = Mono::from_millis(0);
        assert_eq!(
            shift.next_wake(&report(1_000, false), now, LOOP_WAIT),
            Mono::from_millis(1_000)
        );
    }

    #[test]
    fn shifts_are_spread_over_the_range() {
        let shifts: Vec<Mono> = (0..64)
            .map(|_| {
                let mut shift = PhaseShift::default();
                let now = Mono::from_millis(0);
                shift.next_wake(&report(100, true), now, LOOP_WAIT);
                shift.next_wake(&report(1_000, false), now, LOOP_WAIT)
            })
            .collect();
        let early = shifts
            .iter()
            .filter(|m| **m < Mono::from_millis(750))
            .count();
        assert!(
            (8..=56).contains(&early),
            "{early} of 64 in the earlier half"
        );
    }
}
