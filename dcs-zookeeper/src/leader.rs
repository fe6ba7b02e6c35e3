//! The leader znode: an ephemeral znode of the holder's session.
//!
//! - **Acquire**: create it ephemeral (parents made persistent); `NodeExists` means lost.
//! - **Renew**: nothing to extend (the session keeps it); check that it holds our name and is
//!   owned by our current session. After a session expiry it is gone (or someone else's):
//!   `Ok(false)`. A znode with our name owned by an unknown session (a previous process of
//!   this node) is taken over atomically (delete at its version + create), as Patroni does.
//! - **Release**: delete it at the version read, only if it holds our name. (Patroni restarts
//!   the whole session instead, which also drops the member znode.)

use crate::backend::ZooKeeperDcs;
use crate::error::ZkResultExt;
use crate::session::{hex, Session};
use pg_ha_core::DcsError;
use std::time::Duration;
use zookeeper_client::{CreateMode, Error as ZkError, MultiWriteResult};

impl ZooKeeperDcs {
    /// Creates the leader znode if absent.
    pub(crate) async fn acquire(&self, name: &str, ttl: Duration) -> Result<bool, DcsError> {
        let session = self.sessions.get(Some(ttl)).await?;
        let path = self.paths.leader();
        let options = CreateMode::Ephemeral.with_acls(self.acls());
        for _ in 0..2 {
            match session
                .client
                .create(&path, name.as_bytes(), &options)
                .await
            {
                Ok(_) => {
                    tracing::info!(leader = name, session = %hex(session.id), "acquired the leader znode");
                    return Ok(true);
                }
                Err(ZkError::NodeExists) => return Ok(false),
                Err(ZkError::NoNode) => self.make_parents(&session.client, &path).await?,
                Err(e) => return Err(e).zk(),
            }
        }
        Ok(false)
    }

    /// Checks that the leader znode is ours in the current session.
    pub(crate) async fn renew(&self, name: &str, ttl: Duration) -> Result<bool, DcsError> {
        let session = self.sessions.get(Some(ttl)).await?;
        let path = self.paths.leader();
        let (value, stat) = match session.client.get_data(&path).await {
            Ok(found) => found,
            Err(ZkError::NoNode) => return Ok(false),
            Err(e) => return Err(e).zk(),
        };
        if value != name.as_bytes() {
            return Ok(false);
        }
        let owner = stat.ephemeral_owner;
        if owner == session.id {
            return Ok(true);
        }
        if owner == 0 || self.sessions.was_ours(owner) {
            // Our earlier session ended (its expiry is final), or the znode is not ephemeral.
            return Ok(false);
        }
        tracing::warn!(
            owner = %hex(owner),
            session = %hex(session.id),
            "recreating the leader znode due to ownership mismatch"
        );
        self.take_over(&session, name, stat.version).await
    }

    /// Replaces the leader znode at `version` with one of our session, atomically.
    async fn take_over(
        &self,
        session: &Session,
        name: &str,
        version: i32,
    ) -> Result<bool, DcsError> {
        let path = self.paths.leader();
        let options = CreateMode::Ephemeral.with_acls(self.acls());
        let mut writer = session.client.new_multi_writer();
        writer.add_delete(&path, Some(version)).zk()?;
        writer.add_create(&path, name.as_bytes(), &options).zk()?;
        match writer.commit().await {
            Ok(results) => Ok(results
                .iter()
                .any(|r| matches!(r, MultiWriteResult::Create { .. }))),
            Err(e) => match ZkError::from(e) {
                ZkError::NoNode | ZkError::BadVersion | ZkError::NodeExists => Ok(false),
                other => Err(other).zk(),
            },
        }
    }

    /// Deletes the leader znode if it holds `name`.
    pub(crate) async fn release(&self, name: &str) -> Result<bool, DcsError> {
        let session = self.sessions.get(None).await?;
        let path = self.paths.leader();
        let stat = match session.client.get_data(&path).await {
            Ok((value, stat)) if value == name.as_bytes() => stat,
            Ok(_) | Err(ZkError::NoNode) => return Ok(false),
            Err(e) => return Err(e).zk(),
        };
        match session.client.delete(&path, Some(stat.version)).await {
            Ok(()) => {
                tracing::info!(leader = name, "released the leader znode");
                Ok(true)
            }
            Err(ZkError::NoNode | ZkError::BadVersion) => Ok(false),
            Err(e) => Err(e).zk(),
        }
    }
}
