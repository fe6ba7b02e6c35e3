//! `NodeFaults`: the faults currently injected into one node's environment. Each fault lasts
//! until a global time; the heal phase clears them all.

use super::clock::Micros;
use std::time::Duration;

/// Active faults of one node. A fault is active while `now < until`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeFaults {
    /// Every DCS call fails `Unreachable` without applying.
    pub dcs_cut_until: Option<Micros>,
    /// While cut: each failing call first hangs for up to this long (a black hole rather than
    /// a refused connection).
    pub dcs_hang: Duration,
    /// Cut from every other node too: no peer API, no replication either way.
    pub isolated_until: Option<Micros>,
    /// DCS replies arrive late: each call takes up to `slow_max`.
    pub slow_until: Option<Micros>,
    /// The longest delay of a slow call.
    pub slow_max: Duration,
    /// DCS calls apply but the reply is lost (the call returns an error).
    pub lost_until: Option<Micros>,
    /// The probability that a reply is lost while `lost_until` is active.
    pub lost_probability: f64,
    /// The node's WAL receiver makes no progress (lag builds up).
    pub replication_stall_until: Option<Micros>,
    /// The whole node is paused: its PostgreSQL takes no write and its fence guard does not
    /// run.
    pub paused_until: Option<Micros>,
}

fn active(until: Option<Micros>, now: Micros) -> bool {
    until.is_some_and(|u| now < u)
}

impl NodeFaults {
    /// DCS calls fail without applying.
    pub fn dcs_cut(&self, now: Micros) -> bool {
        active(self.dcs_cut_until, now) || self.isolated(now)
    }

    /// The node cannot talk to other nodes.
    pub fn isolated(&self, now: Micros) -> bool {
        active(self.isolated_until, now)
    }

    /// DCS replies are slow.
    pub fn slow(&self, now: Micros) -> bool {
        active(self.slow_until, now)
    }

    /// DCS replies may be lost.
    pub fn lossy(&self, now: Micros) -> bool {
        active(self.lost_until, now)
    }

    /// The whole node is paused.
    pub fn paused(&self, now: Micros) -> bool {
        active(self.paused_until, now)
    }

    /// Replication into this node is stalled.
    pub fn replication_stalled(&self, now: Micros) -> bool {
        active(self.replication_stall_until, now)
    }

    /// True when any fault is active.
    pub fn any(&self, now: Micros) -> bool {
        self.dcs_cut(now) || self.slow(now) || self.lossy(now) || self.replication_stalled(now)
    }
}

#[cfg(test)]
mod tests {
    use super::NodeFaults;

    #[test]
    fn faults_end_at_their_deadline() {
        let faults = NodeFaults {
            dcs_cut_until: Some(100),
            isolated_until: Some(50),
            ..NodeFaults::default()
        };
        assert!(faults.dcs_cut(99));
        assert!(!faults.dcs_cut(100));
        assert!(faults.isolated(49));
        assert!(!faults.isolated(50));
        assert!(faults.any(0));
        assert!(!faults.any(100));
        assert!(!NodeFaults::default().any(0));
    }
}
