//! `wait_for_change`: a persistent recursive watch on the scope znode, armed before the
//! revision is checked, so no change after `after` is missed.
//!
//! After every event the snapshot revision is read again. A reconnect re-arms the watch and
//! re-checks: the server does not replay events that happened while the client was
//! disconnected (ZOOKEEPER-4698), and zookeeper-client 0.11 does not re-register persistent
//! watches on reconnect (its `resend_watches` only sends the data/exist/child lists), so the
//! old watcher would stay silent. A new session (expiry, ttl change) re-arms the watch on it.

use crate::backend::ZooKeeperDcs;
use crate::error::ZkResultExt;
use crate::paths::ScopeNode;
use pg_ha_core::DcsError;
use std::time::Duration;
use zookeeper_client::{AddWatchMode, EventType, PersistentWatcher, SessionState};

/// Pause before re-arming after a failed attempt (server down, connection lost).
const RETRY_PAUSE: Duration = Duration::from_millis(250);

/// Why one armed watch stopped serving.
enum Rearm {
    /// The session ended, was replaced, or reconnected: arm again.
    Session,
}

/// What the next watch event means for the waiter.
enum Event {
    /// Something below the scope changed: re-check the revision.
    Node,
    /// The connection dropped: keep waiting for the reconnect.
    Disconnected,
    /// The session reconnected, ended or was replaced: drop the watcher and arm again.
    Rearm,
}

impl ZooKeeperDcs {
    /// Waits until the snapshot revision exceeds `after`; retries through outages (the caller
    /// bounds the wait), fails only on errors that a retry cannot fix.
    pub(crate) async fn wait_change(&self, after: u64) -> Result<u64, DcsError> {
        loop {
            match self.wait_armed(after).await {
                Ok(Ok(revision)) => return Ok(revision),
                Ok(Err(Rearm::Session)) => {}
                Err(e) if e.is_retryable() => {
                    tracing::debug!("waiting for a change: {e}; retrying");
                    tokio::time::sleep(RETRY_PAUSE).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One armed watch: the revision once it exceeds `after`, or a request to re-arm.
    async fn wait_armed(&self, after: u64) -> Result<Result<u64, Rearm>, DcsError> {
        let mut generation = self.sessions.subscribe();
        generation.borrow_and_update();
        let session = self.sessions.get(None).await?;
        let mut watcher = session
            .client
            .watch(self.paths.scope(), AddWatchMode::PersistentRecursive)
            .await
            .zk()?;
        loop {
            let revision = self.read_snapshot().await?.revision;
            if revision > after {
                return Ok(Ok(revision));
            }
            loop {
                let event = tokio::select! {
                    event = next_event(&mut watcher) => event,
                    _ = generation.changed() => Event::Rearm,
                };
                match event {
                    Event::Node => break,
                    Event::Disconnected => continue,
                    Event::Rearm => {
                        drop(watcher);
                        return Ok(Err(Rearm::Session));
                    }
                }
            }
        }
    }
}

/// Waits for the next event and classifies it. After a terminal session event the watcher
/// must not be polled again (it panics); [`Event::Rearm`] makes the caller drop it.
async fn next_event(watcher: &mut PersistentWatcher) -> Event {
    let event = watcher.changed().await;
    if event.event_type != EventType::Session {
        return Event::Node;
    }
    match event.session_state {
        SessionState::Disconnected => Event::Disconnected,
        _ => Event::Rearm,
    }
}
