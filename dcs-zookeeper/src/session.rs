//! `Sessions`: the node's one ZooKeeper session, re-opened when it ends.
//!
//! A ZooKeeper session expiry is final: the server has already deleted the session's
//! ephemeral znodes (leader, member). The next call opens a new session; the leader znode is
//! then owned by nobody or someone else, so `renew_leader` reports `Ok(false)` and the runner
//! demotes. As in Patroni, the session timeout is the ttl; a call with another ttl restarts the
//! session (dropping its ephemeral znodes first).

use crate::connect::Connect;
use crate::error::ZkResultExt;
use pg_ha_core::DcsError;
use std::sync::{Mutex as SyncMutex, PoisonError};
use std::time::Duration;
use tokio::sync::{watch, Mutex};
use zookeeper_client::{Client, Error as ZkError, SessionState};

/// Passes over the host list before a connect reports the servers unreachable.
const CONNECT_ATTEMPTS: u32 = 6;
/// Pause between two passes.
const CONNECT_PAUSE: Duration = Duration::from_millis(150);

/// One live session: the client, its id (the `ephemeralOwner` of its znodes) and the ttl it
/// was opened for.
#[derive(Clone)]
pub(crate) struct Session {
    /// The client of this session (clones share the session).
    pub(crate) client: Client,
    /// The session id.
    pub(crate) id: i64,
    /// The ttl (requested session timeout) it was opened with.
    pub(crate) ttl: Duration,
}

/// The session manager of one backend.
pub(crate) struct Sessions {
    connect: Connect,
    scope: String,
    default_ttl: Duration,
    current: Mutex<Option<Session>>,
    /// Bumped every time a new session replaces another, so waiters re-arm their watches.
    generation: watch::Sender<u64>,
    /// Ids of the sessions this backend had before the current one.
    past: SyncMutex<Vec<i64>>,
}

impl Sessions {
    /// A manager that opens sessions with `connect`; `scope` is the scope znode whose
    /// ephemeral children a ttl change drops.
    pub(crate) fn new(connect: Connect, scope: String, default_ttl: Duration) -> Sessions {
        let (generation, _) = watch::channel(0);
        Sessions {
            connect,
            scope,
            default_ttl,
            current: Mutex::new(None),
            generation,
            past: SyncMutex::new(Vec::new()),
        }
    }

    /// The live session, opening one if there is none, if the last one ended, or if `ttl`
    /// differs from the ttl it was opened with.
    pub(crate) async fn get(&self, ttl: Option<Duration>) -> Result<Session, DcsError> {
        let mut slot = self.current.lock().await;
        let mut next_ttl = ttl.unwrap_or(self.default_ttl);
        if let Some(session) = slot.as_ref() {
            let state = session.client.state();
            if is_terminal(state) {
                tracing::warn!(
                    session = %hex(session.id),
                    ?state,
                    "ZooKeeper session ended: its leader and member znodes are gone; opening a new session"
                );
                next_ttl = ttl.unwrap_or(session.ttl);
            } else if ttl.is_some_and(|t| t != session.ttl) {
                tracing::info!(
                    session = %hex(session.id),
                    from = ?session.ttl,
                    to = ?next_ttl,
                    "ttl changed: restarting the ZooKeeper session, as Patroni does"
                );
                self.drop_ephemerals(session).await;
            } else {
                return Ok(session.clone());
            }
            self.retire(session.id);
            *slot = None;
        }
        let session = self.open(next_ttl).await?;
        *slot = Some(session.clone());
        self.generation.send_modify(|g| *g += 1);
        Ok(session)
    }

    /// A receiver that changes whenever a new session replaces the current one.
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.generation.subscribe()
    }

    /// True if `id` is a session this backend had before its current one.
    pub(crate) fn was_ours(&self, id: i64) -> bool {
        self.past
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&id)
    }

    async fn open(&self, ttl: Duration) -> Result<Session, DcsError> {
        let client = self.connect_retrying(ttl).await.zk()?;
        let id = client.session_id().0;
        let negotiated = client.session_timeout();
        if negotiated < ttl {
            // The leader znode would vanish before the write fence (ttl - safety margin) stops
            // the primary: another node could promote while it still takes writes.
            return Err(DcsError::Rejected(format!(
                "ZooKeeper negotiated a session timeout of {negotiated:?}, below ttl {ttl:?}: \
                 the leader key would expire before the primary is fenced; raise the \
                 servers' maxSessionTimeout (or lower ttl)"
            )));
        }
        if negotiated != ttl {
            tracing::warn!(
                session = %hex(id),
                requested = ?ttl,
                ?negotiated,
                "ZooKeeper negotiated another session timeout: ephemeral znodes outlive a silent \
                 node by the negotiated timeout, not by ttl (check minSessionTimeout / \
                 maxSessionTimeout)"
            );
        }
        tracing::info!(session = %hex(id), timeout = ?negotiated, "ZooKeeper session opened");
        Ok(Session { client, id, ttl })
    }

    /// Connects, trying the host list a few times: a server that has just started refuses
    /// sessions for a few hundred milliseconds.
    async fn connect_retrying(&self, ttl: Duration) -> Result<Client, ZkError> {
        let mut attempt = 1;
        loop {
            match self.connect.open(ttl).await {
                Err(ZkError::NoHosts) if attempt < CONNECT_ATTEMPTS => {
                    tokio::time::sleep(CONNECT_PAUSE).await;
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    fn retire(&self, id: i64) {
        self.past
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(id);
    }

    /// Deletes the session's ephemeral znodes under the scope (best effort), so that a
    /// restarted session leaves nothing behind even while a waiter still holds the client.
    async fn drop_ephemerals(&self, session: &Session) {
        let Ok(paths) = session.client.list_ephemerals(&self.scope).await else {
            return;
        };
        let inside = format!("{}/", self.scope);
        for path in paths.iter().filter(|p| p.starts_with(&inside)) {
            if let Err(e) = session.client.delete(path, None).await {
                tracing::warn!(%path, "cannot delete an ephemeral znode of the old session: {e}");
            }
        }
    }
}

/// True for the states after which a session can never be used again.
fn is_terminal(state: SessionState) -> bool {
    matches!(
        state,
        SessionState::Expired | SessionState::Closed | SessionState::AuthFailed
    )
}

/// A session id as ZooKeeper tools print it (`0x...`); also the `session` of snapshot entries.
pub(crate) fn hex(id: i64) -> String {
    format!("{id:#x}")
}
