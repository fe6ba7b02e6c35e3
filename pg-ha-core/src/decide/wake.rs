//! When a node runs its next cycle: which DCS changes wake it at once (the one filter the
//! agent's DCS watch and the simulator both apply), and how soon after a cycle it steps
//! again.

use super::{Action, Decision};
use crate::model::Cluster;
use crate::time::Mono;
use std::time::Duration;

/// How soon a node steps again after a role change or a failure worth retrying at once.
pub const RETRY_DELAY: Duration = Duration::from_millis(100);

/// The latest time of the next cycle after `decision` ran at `now`: loop_wait, or what the
/// decision asked for, or [`RETRY_DELAY`] after a role change (to see and publish the new
/// role) or when an action failed in a way worth retrying at once (`retryable_failure`: the
/// DCS or PostgreSQL did not answer; a write lost to another node wakes the node through the
/// watch anyway, and a refusal waits for the next cycle).
///
/// A node holding a lease that ends at `lease_end` also steps again at least `margin` before
/// it (at the soonest [`RETRY_DELAY`] from now): a cycle slowed by a hanging DCS must not
/// sleep through the renewal, or the failsafe confirmation, that keeps its write fence from
/// firing.
pub fn next_wake(
    decision: &Decision,
    retryable_failure: bool,
    now: Mono,
    loop_wait: Duration,
    lease_end: Option<Mono>,
    margin: Duration,
) -> Mono {
    let mut at = now + loop_wait;
    if let Some(asked) = decision.wake_at {
        at = at.min(asked);
    }
    if retryable_failure || decision.actions.iter().any(changes_role) {
        at = at.min(now + RETRY_DELAY);
    }
    if let Some(end) = lease_end.filter(|end| *end > now) {
        at = at.min((end - margin).max(now + RETRY_DELAY));
    }
    at
}

fn changes_role(action: &Action) -> bool {
    matches!(
        action,
        Action::Promote { .. }
            | Action::Stop { .. }
            | Action::AcquireLeader
            | Action::ReleaseLeader
            | Action::Bootstrap
            | Action::CloneFrom { .. }
            | Action::CloneFromRemote(_)
            | Action::CloneWithoutLeader
            | Action::StartStandbyOfRemote(_)
            | Action::Rewind { .. }
            | Action::Reinit { .. }
            | Action::StartStandby { .. }
            | Action::StartPrimary
            | Action::Restart
    )
}

/// The parts of a cluster whose change must trigger a cycle at once: the leader (name and
/// version, so a new lease by the same node counts), a switchover or failover request, the
/// dynamic configuration, the synchronous state and `initialize`. Member keys change every
/// loop_wait and are read at the next regular cycle.
fn relevant(cluster: &Cluster) -> impl PartialEq + '_ {
    (
        cluster.leader.as_ref().map(|l| (&l.name, l.version)),
        cluster.failover.as_ref().map(|f| &f.value),
        cluster.config.as_ref().map(|c| c.version),
        cluster.sync.as_ref().map(|s| &s.value),
        &cluster.initialize,
    )
}

/// True when going from `before` to `after` must wake a node at once.
pub fn dcs_change_wakes(before: &Cluster, after: &Cluster) -> bool {
    relevant(before) != relevant(after)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::Reason;
    use crate::model::Leader;

    const LOOP_WAIT: Duration = Duration::from_secs(1);
    const MARGIN: Duration = Duration::from_millis(400);

    /// A leader whose slow cycle ended close to its lease end steps again before it, however
    /// long loop_wait is (seed 4 of the failsafe scenario: the fence fired between two
    /// confirmations); never sooner than RETRY_DELAY, and not for a lease already over.
    #[test]
    fn a_lease_holder_wakes_before_its_lease_ends() {
        let idle = Decision::idle(Reason::LeaderRenewed);
        let now = Mono::from_millis(10_000);
        let end = Mono::from_millis(10_800);
        let wake = next_wake(&idle, false, now, LOOP_WAIT, Some(end), MARGIN);
        assert_eq!(wake, Mono::from_millis(10_400));
        let close = Mono::from_millis(10_450);
        let wake = next_wake(&idle, false, now, LOOP_WAIT, Some(close), MARGIN);
        assert_eq!(wake, now + RETRY_DELAY);
        let far = Mono::from_millis(20_000);
        let wake = next_wake(&idle, false, now, LOOP_WAIT, Some(far), MARGIN);
        assert_eq!(wake, now + LOOP_WAIT);
        let over = Mono::from_millis(9_000);
        let wake = next_wake(&idle, false, now, LOOP_WAIT, Some(over), MARGIN);
        assert_eq!(wake, now + LOOP_WAIT);
    }

    #[test]
    fn a_quiet_cycle_waits_loop_wait_or_what_the_decision_asked() {
        let now = Mono::from_millis(5_000);
        let idle = Decision::idle(Reason::LeaderRenewed);
        assert_eq!(
            next_wake(&idle, false, now, LOOP_WAIT, None, MARGIN),
            now + LOOP_WAIT
        );
        let soon = idle.clone().wake(now + Duration::from_millis(300));
        assert_eq!(
            next_wake(&soon, false, now, LOOP_WAIT, None, MARGIN),
            now + Duration::from_millis(300)
        );
    }

    #[test]
    fn a_role_change_or_a_retryable_failure_steps_again_soon() {
        let now = Mono::from_millis(5_000);
        let promote = Decision::act(
            Reason::Promoting,
            vec![Action::Promote { above_timeline: 1 }],
        );
        assert_eq!(
            next_wake(&promote, false, now, LOOP_WAIT, None, MARGIN),
            now + RETRY_DELAY
        );
        let renew = Decision::act(Reason::LeaderRenewed, vec![Action::RenewLeader]);
        assert_eq!(
            next_wake(&renew, true, now, LOOP_WAIT, None, MARGIN),
            now + RETRY_DELAY
        );
        assert_eq!(
            next_wake(&renew, false, now, LOOP_WAIT, None, MARGIN),
            now + LOOP_WAIT
        );
    }

    #[test]
    fn a_new_leader_wakes_and_a_member_refresh_does_not() {
        let before = Cluster::default();
        let mut after = before.clone();
        assert!(!dcs_change_wakes(&before, &after));
        after.leader = Some(Leader {
            name: "node1".into(),
            version: 3,
            session: None,
        });
        assert!(dcs_change_wakes(&before, &after));
        let mut renewed = after.clone();
        renewed.leader.as_mut().expect("leader").version = 4;
        assert!(dcs_change_wakes(&after, &renewed), "a new lease counts");
    }
}
