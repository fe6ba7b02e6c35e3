//! When a lease that ran out is actually revoked, as the real backends do it: etcd checks
//! for expired leases on a timer (every 500 ms), Consul treats a session TTL as a lower
//! bound (it may invalidate the session up to twice the TTL late). A late expiry keeps the
//! old leader's key longer; it never shortens a lease.

use crate::time::Mono;
use std::time::Duration;

/// How the store revokes expired leases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Expiry {
    /// Exactly at `ttl` after the last renewal.
    #[default]
    Exact,
    /// At the first check after the deadline, checks `period` apart (etcd: 500 ms).
    Checked {
        /// The time between two checks.
        period: Duration,
    },
    /// Up to another `ttl` after the deadline (Consul's lower-bound TTL), the extra drawn
    /// from the lease so that a run replays.
    LowerBound,
}

impl Expiry {
    /// etcd's lease expiry: checked every 500 ms.
    pub const ETCD: Expiry = Expiry::Checked {
        period: Duration::from_millis(500),
    };

    /// When a lease renewed with `ttl`, due to run out at `deadline`, is revoked (`lease`
    /// picks the extra of [`Expiry::LowerBound`]).
    pub fn revoked_at(self, deadline: Mono, ttl: Duration, lease: u64) -> Mono {
        match self {
            Expiry::Exact => deadline,
            Expiry::Checked { period } => {
                let period = period.as_micros().max(1);
                let at = deadline.0.as_micros();
                let next = at.div_ceil(period) * period;
                Mono(Duration::from_micros(next as u64))
            }
            Expiry::LowerBound => {
                let spread = lease.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11;
                let extra = ttl.mul_f64((spread % 1000) as f64 / 1000.0);
                deadline + extra
            }
        }
    }

    /// The longest a lease renewed with `ttl` may outlive its deadline: what a cluster
    /// whose leader vanished may have to wait on top of the ttl before the key goes.
    pub fn max_delay(self, ttl: Duration) -> Duration {
        match self {
            Expiry::Exact => Duration::ZERO,
            Expiry::Checked { period } => period,
            Expiry::LowerBound => ttl,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_revoke_at_or_after_the_deadline() {
        let ttl = Duration::from_secs(5);
        let deadline = Mono(Duration::from_millis(12_345));
        assert_eq!(Expiry::Exact.revoked_at(deadline, ttl, 1), deadline);
        assert_eq!(
            Expiry::ETCD.revoked_at(deadline, ttl, 1),
            Mono(Duration::from_millis(12_500))
        );
        let on_tick = Mono(Duration::from_millis(12_500));
        assert_eq!(Expiry::ETCD.revoked_at(on_tick, ttl, 1), on_tick);
        let late = Expiry::ETCD.revoked_at(Mono(Duration::from_millis(12_001)), ttl, 1);
        assert_eq!(
            late,
            Mono(Duration::from_millis(12_001)) + Expiry::ETCD.max_delay(ttl)
                - Duration::from_millis(1)
        );
        assert_eq!(Expiry::Exact.max_delay(ttl), Duration::ZERO);
        let mut extras = std::collections::BTreeSet::new();
        for lease in 0..100 {
            let at = Expiry::LowerBound.revoked_at(deadline, ttl, lease);
            assert!(at >= deadline, "{at:?}");
            assert!(at <= deadline + Expiry::LowerBound.max_delay(ttl), "{at:?}");
            extras.insert(at);
        }
        assert!(extras.len() > 50, "the extra varies by lease");
    }
}
