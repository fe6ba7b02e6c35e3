//! Keeps `use_slots` of the local PostgreSQL (whether a standby names its slot in
//! `primary_slot_name`) in step with the dynamic config. Which slots exist is decided by
//! `decide()` (`Action::CreateSlots` / `DropSlots`).

use crate::postgres::LocalPostgres;
use crate::rest::NodeView;
use std::sync::Arc;
use tokio::sync::watch;

/// Spawns the task; it ends when the loop's view channel closes.
pub(super) fn spawn(pg: Arc<LocalPostgres>, mut views: watch::Receiver<Arc<NodeView>>) {
    tokio::spawn(async move {
        while views.changed().await.is_ok() {
            let use_slots = views.borrow().dynamic.postgresql.use_slots;
            pg.set_use_slots(use_slots);
        }
    });
}
