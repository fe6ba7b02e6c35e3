//! The leader key, as Patroni's Consul backend handles it.
//!
//! - **Acquire**: renew the session (or create one), then `PUT leader?acquire=<session>`,
//!   body = name; `false` means lost.
//! - **Renew**: renew the session (forced); a 404 means it expired and the key went with it:
//!   `Ok(false)`. Then a consistent read: the key must hold our name; if it is bound to
//!   another session (an earlier session of this node), `DELETE ?cas=<ModifyIndex>` and
//!   re-acquire, as Patroni does.
//! - **Release**: `DELETE leader?cas=<ModifyIndex>` if it holds our name.

use crate::backend::ConsulDcs;
use crate::error::Failure;
use crate::kv::Put;
use crate::session::Need;
use std::time::Duration;

impl ConsulDcs {
    /// Acquires the leader key with our session.
    pub(crate) async fn acquire(&self, name: &str, ttl: Duration) -> Result<bool, Failure> {
        let acquired = self
            .with_session(name, ttl, Need::Fresh, |session| async move {
                self.kv()
                    .put(&self.paths.leader(), name, Put::Acquire(&session))
                    .await
            })
            .await?;
        if acquired {
            tracing::info!(leader = name, "acquired the Consul leader lock");
        }
        Ok(acquired)
    }

    /// Renews the session and checks the leader key.
    pub(crate) async fn renew(&self, name: &str, ttl: Duration) -> Result<bool, Failure> {
        let agents = &self.agents;
        let Some(session) = self
            .sessions
            .session(agents, name, ttl, Need::Renew)
            .await?
        else {
            return Ok(false);
        };
        let key = self.paths.leader();
        let Some(stored) = self.kv().get(&key).await? else {
            return Ok(false);
        };
        if stored.value != name {
            return Ok(false);
        }
        if stored.session.as_deref() == Some(session.as_str()) {
            return Ok(true);
        }
        tracing::warn!(held_by = ?stored.session, "the leader key holds our name under another session: taking it over");
        if !self.kv().delete(&key, Some(stored.index)).await? {
            return Ok(false);
        }
        match self.kv().put(&key, name, Put::Acquire(&session)).await {
            Err(e) if e.is_invalid_session() => {
                self.sessions.forget(&session).await;
                Ok(false)
            }
            other => other,
        }
    }

    /// Deletes the leader key if it holds `name`.
    pub(crate) async fn release(&self, name: &str) -> Result<bool, Failure> {
        let key = self.paths.leader();
        match self.kv().get(&key).await? {
            Some(stored) if stored.value == name => {
                let deleted = self.kv().delete(&key, Some(stored.index)).await?;
                if deleted {
                    tracing::info!(leader = name, "released the Consul leader lock");
                }
                Ok(deleted)
            }
            _ => Ok(false),
        }
    }
}
