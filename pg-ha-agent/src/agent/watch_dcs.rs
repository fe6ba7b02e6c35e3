//! Waiting for a DCS change that matters to this node's decisions.

use pg_ha_core::dcs::Dcs;
use pg_ha_core::model::Cluster;

/// The parts of a cluster whose change must trigger a cycle at once: the leader, a switchover
/// request, the config, the sync state and `initialize`. Member keys change every loop_wait and
/// are read at the next regular cycle.
fn relevant(cluster: &Cluster) -> impl PartialEq + '_ {
    (
        cluster.leader.as_ref().map(|l| (&l.name, l.version)),
        cluster.failover.as_ref().map(|f| &f.value),
        cluster.config.as_ref().map(|c| c.version),
        cluster.sync.as_ref().map(|s| &s.value),
        &cluster.initialize,
    )
}

/// Resolves when the DCS shows a relevant change after `baseline`. Never resolves while the
/// DCS cannot be watched (the loop's timer takes over).
pub(super) async fn relevant_change(dcs: &dyn Dcs, baseline: &Cluster) {
    let mut after = baseline.revision;
    loop {
        let Ok(revision) = dcs.wait_for_change(after).await else {
            return std::future::pending().await;
        };
        let Ok(snapshot) = dcs.read().await else {
            return std::future::pending().await;
        };
        let (cluster, _) = Cluster::from_snapshot(&snapshot);
        if relevant(&cluster) != relevant(baseline) {
            return;
        }
        after = revision.max(snapshot.revision);
    }
}
