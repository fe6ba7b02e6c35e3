//! The write fence of a leader's lease: when its primary must stop accepting writes, and
//! when it should first stop cleanly, if the lease is not extended, even with the agent
//! frozen.

use crate::config::clean_demotion_lead;
use crate::time::Mono;
use std::time::Duration;

/// The fence armed after a lease renewal (or a failsafe confirmation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteFence {
    /// After this the server must no longer accept writes (the lease budget's end).
    pub deadline: Mono,
    /// From this a primary is asked to stop cleanly (a fast shutdown, in which the
    /// connected standbys receive every WAL record): half the [clean
    /// demotion](clean_demotion_lead) lead before the deadline, after the point where a
    /// running agent stops it itself, so that it only stands in for a frozen agent.
    pub clean_stop: Mono,
}

impl WriteFence {
    /// The fence of a lease of `ttl` whose budget ends at `deadline`.
    pub fn new(deadline: Mono, ttl: Duration) -> WriteFence {
        WriteFence {
            deadline,
            clean_stop: deadline - clean_demotion_lead(ttl) / 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clean_stop_comes_after_the_agents_own_and_before_the_deadline() {
        let deadline = Mono(Duration::from_secs(100));
        for ttl in [2, 5, 20, 30] {
            let ttl = Duration::from_secs(ttl);
            let fence = WriteFence::new(deadline, ttl);
            let agents_own = deadline - clean_demotion_lead(ttl);
            assert!(fence.clean_stop > agents_own, "ttl {ttl:?}");
            assert!(fence.clean_stop < deadline, "ttl {ttl:?}");
        }
        let at_ttl_2 = WriteFence::new(deadline, Duration::from_secs(2));
        assert_eq!(
            deadline.since(at_ttl_2.clean_stop),
            Duration::from_millis(125)
        );
    }
}
