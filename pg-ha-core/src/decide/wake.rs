//! Which DCS changes wake a node at once, before its next loop_wait: the one filter the
//! agent's DCS watch and the simulator both apply.

use crate::model::Cluster;

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
    use crate::model::Leader;

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
