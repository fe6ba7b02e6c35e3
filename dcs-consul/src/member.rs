//! The member key `members/<name>`, acquired with the node's session so that it vanishes
//! with it. A member key held by another session (an expired or earlier one) is deleted
//! first (at its `ModifyIndex`), as Patroni does.

use crate::backend::ConsulDcs;
use crate::error::Failure;
use crate::kv::Put;
use crate::session::Need;
use std::time::Duration;

impl ConsulDcs {
    /// Writes `members/<name>` bound to our session, renewing the session if due.
    pub(crate) async fn put_member(
        &self,
        name: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<(), Failure> {
        let key = self.paths.member(name);
        self.with_session(name, ttl, Need::Use, |session| {
            let key = key.clone();
            async move {
                if self.kv().put(&key, value, Put::Acquire(&session)).await? {
                    return Ok(true);
                }
                if let Some(stored) = self.kv().get(&key).await? {
                    if stored.session.as_deref() != Some(session.as_str()) {
                        tracing::info!(%key, "deleting a member key held by another session");
                        self.kv().delete(&key, Some(stored.index)).await?;
                    }
                }
                self.kv().put(&key, value, Put::Acquire(&session)).await
            }
        })
        .await?;
        Ok(())
    }
}
