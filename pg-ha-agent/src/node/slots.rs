//! Replication-slot housekeeping on the primary (spec 2.2 step 13): after each cycle in which
//! this node holds the lease and runs as primary, a physical slot exists for every other
//! member (when `use_slots` is on) and slots of members that left are dropped. On a replica
//! it keeps the other members' names, for the slots reserved before a promotion.

use crate::postgres::LocalPostgres;
use crate::rest::NodeView;
use pg_ha_core::time::{Clock, SystemClock};
use std::sync::Arc;
use tokio::sync::watch;

/// Spawns the housekeeping task; it ends when the loop's view channel closes.
pub(super) fn spawn(
    pg: Arc<LocalPostgres>,
    mut views: watch::Receiver<Arc<NodeView>>,
    clock: SystemClock,
) {
    tokio::spawn(async move {
        let mut last: Option<Vec<String>> = None;
        while views.changed().await.is_ok() {
            let view = Arc::clone(&views.borrow());
            let Some(members) = wanted_slots(&view, &clock) else {
                if let Some(peers) = other_members(&view) {
                    pg.set_use_slots(view.dynamic.postgresql.use_slots);
                    pg.remember_peers(peers);
                }
                last = None;
                continue;
            };
            if last.as_ref() == Some(&members) {
                continue;
            }
            pg.set_use_slots(view.dynamic.postgresql.use_slots);
            match pg.sync_replication_slots(&members, &[]).await {
                Ok(_) => last = Some(members),
                Err(e) => tracing::warn!("replication slot housekeeping failed: {e}"),
            }
        }
    });
}

/// The member names that need a slot, when this node is the running primary with a valid
/// lease; `None` otherwise.
fn wanted_slots(view: &NodeView, clock: &SystemClock) -> Option<Vec<String>> {
    let primary = view.pg.as_ref().is_some_and(|pg| pg.is_running_primary());
    if !primary || !view.holds_lease(clock.now()) {
        return None;
    }
    other_members(view)
}

/// The names of the cluster's other members, sorted.
fn other_members(view: &NodeView) -> Option<Vec<String>> {
    let cluster = view.cluster.as_ref()?;
    let me = &view.node.name;
    let mut names: Vec<String> = cluster
        .members
        .iter()
        .filter(|m| &m.name != me)
        .map(|m| m.name.clone())
        .collect();
    names.sort();
    Some(names)
}
