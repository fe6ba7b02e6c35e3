//! No automatic promotion of a node lagging beyond maximum_lag_on_failover behind the last
//! known primary position (the `status` key's optime when it won the leader race). A promotion
//! under an active synchronous key is judged by the commit ledger instead: the WAL it lacks
//! was never acknowledged, and it must keep every commit that was.

use super::Violation;
use crate::sim::clock::Micros;
use crate::sim::wal::Wal;

/// What the world knew when a node promoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    /// The node's name.
    pub node: String,
    /// Global time.
    pub at: Micros,
    /// Its WAL position just before the promotion.
    pub position: u64,
    /// `status.optime` when it acquired the leader key.
    pub optime: Option<u64>,
    /// A failover / switchover request was present (manual: no lag rule).
    pub manual: bool,
    /// maximum_lag_on_failover in force.
    pub max_lag: u64,
    /// Synchronous mode with an active `sync` key: the ledger checks this promotion.
    pub sync_protected: bool,
}

/// The part of `optime` (published on `branch`) that is still on a live branch for a node
/// with `wal`: only up to where its history left that branch, once a later branch follows
/// it there; otherwise up to the point where the most recent promotion from it (`forks`:
/// parent branch and fork point, oldest first) left it. WAL past that point was abandoned
/// by that promotion, whose timeline the history now follows (an earlier fork further on,
/// seed 822848 of the full space, was superseded by it). A branch nobody left counts whole.
pub fn reachable(optime: u64, branch: u64, wal: &Wal, forks: &[(u64, u64)]) -> u64 {
    let segments = wal.segments();
    let on = segments.iter().position(|s| s.branch == branch);
    if let Some(next) = on.and_then(|i| segments.get(i + 1)) {
        return optime.min(next.start);
    }
    let left = forks
        .iter()
        .filter(|(parent, _)| *parent == branch)
        .map(|(_, at)| *at)
        .next_back();
    left.map_or(optime, |at| optime.min(at))
}

/// Checks one promotion.
pub fn check(p: &Promotion) -> Option<Violation> {
    if p.manual || p.sync_protected {
        return None;
    }
    let lag = p.optime?.saturating_sub(p.position);
    (lag > p.max_lag).then(|| {
        Violation::new(
            "no promotion beyond maximum_lag_on_failover",
            p.at,
            format!(
                "{} promoted at position {} while the last known primary position was {} (lag {} > {})",
                p.node,
                p.position,
                p.optime.unwrap_or(0),
                lag,
                p.max_lag
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn promotion(position: u64, manual: bool) -> Promotion {
        Promotion {
            node: "n1".into(),
            at: 0,
            position,
            optime: Some(10_000_000),
            manual,
            max_lag: 1_048_576,
            sync_protected: false,
        }
    }

    #[test]
    fn lagging_automatic_promotion_violates() {
        assert!(check(&promotion(8_000_000, false)).is_some());
        assert!(check(&promotion(9_000_000, false)).is_none());
    }

    #[test]
    fn an_optime_on_a_branch_the_node_left_counts_up_to_where_it_left() {
        let mut wal = Wal::initdb(1, 1_000);
        wal.fork(2, 10, 0);
        wal.append(500);
        // Published on branch 1 past the fork at 1,000: only 1,000 of it is reachable.
        assert_eq!(reachable(5_000, 1, &wal, &[]), 1_000);
        assert_eq!(reachable(800, 1, &wal, &[]), 800);
        // On the node's own branch, or one nobody left: all of it.
        assert_eq!(reachable(5_000, 2, &wal, &[]), 5_000);
        assert_eq!(reachable(5_000, 9, &wal, &[]), 5_000);
        // Branch 9, which this node never had, was left at 3,000 by another promotion.
        assert_eq!(reachable(5_000, 9, &wal, &[(9, 2_000), (9, 3_000)]), 3_000);
        // The most recent promotion counts: it superseded an earlier fork further on.
        assert_eq!(reachable(5_000, 9, &wal, &[(9, 3_000), (9, 2_000)]), 2_000);
    }

    #[test]
    fn manual_failover_is_exempt() {
        assert!(check(&promotion(0, true)).is_none());
    }

    #[test]
    fn sync_protected_promotion_is_left_to_the_ledger() {
        let p = Promotion {
            sync_protected: true,
            ..promotion(8_000_000, false)
        };
        assert!(check(&p).is_none());
    }
}
