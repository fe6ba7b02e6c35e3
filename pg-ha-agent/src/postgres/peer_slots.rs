//! Slots reserved on a standby right before it is promoted: the other members re-point to it
//! as soon as it takes the leader key, and a member whose slot is missing when it first
//! connects retries only after `wal_retrieve_retry_interval` (5 s by default). A standby can
//! hold physical slots and serve them while the promotion runs.

use super::local::LocalPostgres;
use super::slots::{existing, SlotChanges};
use tokio_postgres::Client;

impl LocalPostgres {
    /// Records the other members' names, for [`LocalPostgres::reserve_peer_slots`].
    pub fn remember_peers(&self, members: Vec<String>) {
        *self.peers.lock().unwrap_or_else(|e| e.into_inner()) = members;
    }

    /// Creates the missing slots of the remembered members through `client` (the standby
    /// about to be promoted). Failures are logged: the primary's slot housekeeping creates
    /// them after the promotion all the same.
    pub(crate) async fn reserve_peer_slots(&self, client: &Client) {
        let peers = self.peers.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let wanted = self.wanted_physical(&peers, &[]);
        if wanted.is_empty() {
            return;
        }
        let timeout = self.settings.status_timeout;
        let mut changes = SlotChanges::default();
        let result = match existing(client, timeout).await {
            Ok(have) => {
                self.create_missing(client, &wanted, &[], &have, &mut changes)
                    .await
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(()) if !changes.created.is_empty() => {
                tracing::info!(created = ?changes.created, "replication slots reserved before promotion")
            }
            Ok(()) => {}
            Err(e) => tracing::warn!("could not reserve replication slots before promotion: {e}"),
        }
    }
}
