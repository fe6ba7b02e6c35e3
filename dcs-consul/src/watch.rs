//! `wait_for_change`: blocking queries on the cluster prefix (`?index=<after>&wait=...`).
//!
//! Consul returns as soon as the prefix's index exceeds `after`, or after the wait with the
//! same index, in which case the query is re-issued. The index is server state, so nothing
//! after `after` is missed across reconnects or agent failover. An index lower than `after`
//! means the agent's state went back (tombstones reaped, data lost): the caller is told to
//! re-read at once with `after + 1`, as Consul's documentation advises resetting the index.

use crate::backend::ConsulDcs;
use crate::snapshot::Blocking;
use pg_ha_core::DcsError;
use std::time::Duration;

/// Pause before retrying after a failed blocking query.
const RETRY_PAUSE: Duration = Duration::from_millis(250);

impl ConsulDcs {
    /// Waits until the prefix index exceeds `after`; retries through outages (the caller
    /// bounds the wait), fails only on errors that a retry cannot fix.
    pub(crate) async fn wait_change(&self, after: u64) -> Result<u64, DcsError> {
        loop {
            let blocking = Blocking {
                index: after,
                wait: self.watch_wait,
            };
            match self.list(Some(blocking)).await {
                Ok(snapshot) if snapshot.revision > after => return Ok(snapshot.revision),
                Ok(snapshot) if snapshot.revision < after => {
                    tracing::warn!(after, index = snapshot.revision, "Consul index went back");
                    return Ok(after + 1);
                }
                Ok(_) => {}
                Err(e) if e.is_retryable() => {
                    tracing::debug!("blocking query failed: {e}; retrying");
                    tokio::time::sleep(RETRY_PAUSE).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}
