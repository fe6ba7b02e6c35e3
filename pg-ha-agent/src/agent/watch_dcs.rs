//! Waiting for a DCS change that matters to this node's decisions.

use pg_ha_core::dcs::Dcs;
use pg_ha_core::decide::dcs_change_wakes;
use pg_ha_core::model::Cluster;

/// Resolves when the DCS shows a relevant change after `baseline`. Never resolves while the
/// DCS cannot be watched (the loop's timer takes over).
pub(super) async fn relevant_change(dcs: &dyn Dcs, baseline: &Cluster) {
    let mut after = baseline.revision;
    loop {
        let Ok(revision) = dcs.wait_for_change(after).await else {
            return std::future::pending().await;
        };
        // The watch that reported the change feeds the backend's recent read (etcd applies
        // its events to the last full read): no range request per change of an idle cluster.
        let Ok(snapshot) = dcs.read_recent().await else {
            return std::future::pending().await;
        };
        let (cluster, _) = Cluster::from_snapshot(&snapshot);
        if dcs_change_wakes(baseline, &cluster) {
            return;
        }
        after = revision.max(snapshot.revision);
    }
}
