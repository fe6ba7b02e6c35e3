//! The member znode `members/<name>`: an ephemeral znode of the node's session.
//!
//! The fast path sets its data at the version this backend last wrote, which fails if the
//! znode was deleted or changed by anyone else. Otherwise it is created; a znode of our name
//! owned by another session (a previous process, an expired session) is deleted first, as
//! Patroni does.

use crate::backend::ZooKeeperDcs;
use crate::error::ZkResultExt;
use crate::session::Session;
use pg_ha_core::DcsError;
use std::sync::PoisonError;
use std::time::Duration;
use zookeeper_client::{CreateMode, Error as ZkError, Stat};

/// Attempts of the create / replace loop.
const ATTEMPTS: usize = 4;

/// What this backend last wrote to its member znode: the session and the znode version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MemberWrite {
    path: String,
    session: i64,
    version: i32,
}

impl ZooKeeperDcs {
    /// Writes `members/<name>` as an ephemeral znode of the current session.
    pub(crate) async fn put_member(
        &self,
        name: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<(), DcsError> {
        let session = self.sessions.get(Some(ttl)).await?;
        let path = self.paths.member(name);
        if let Some(last) = self.last_member_write() {
            if last.session == session.id && last.path == path {
                match session
                    .client
                    .set_data(&path, value.as_bytes(), Some(last.version))
                    .await
                {
                    Ok(stat) => return self.remember(&session, &path, &stat),
                    Err(ZkError::NoNode | ZkError::BadVersion) => {}
                    Err(e) => return Err(e).zk(),
                }
            }
        }
        self.create_member(&session, &path, value).await
    }

    async fn create_member(
        &self,
        session: &Session,
        path: &str,
        value: &str,
    ) -> Result<(), DcsError> {
        let options = CreateMode::Ephemeral.with_acls(self.acls());
        for _ in 0..ATTEMPTS {
            match session
                .client
                .create(path, value.as_bytes(), &options)
                .await
            {
                Ok((stat, _)) => return self.remember(session, path, &stat),
                Err(ZkError::NoNode) => self.make_parents(&session.client, path).await?,
                Err(ZkError::NodeExists) => {
                    if let Some(stat) = self.replace_member(session, path, value).await? {
                        return self.remember(session, path, &stat);
                    }
                }
                Err(e) => return Err(e).zk(),
            }
        }
        Err(DcsError::Rejected(format!(
            "zookeeper: `{path}` kept changing while it was written"
        )))
    }

    /// Updates an existing member znode of our session, or deletes another session's one.
    /// `Some(stat)` when written; `None` to retry the create.
    async fn replace_member(
        &self,
        session: &Session,
        path: &str,
        value: &str,
    ) -> Result<Option<Stat>, DcsError> {
        let Some(stat) = session.client.check_stat(path).await.zk()? else {
            return Ok(None);
        };
        let result = if stat.ephemeral_owner == session.id {
            session
                .client
                .set_data(path, value.as_bytes(), Some(stat.version))
                .await
                .map(Some)
        } else {
            tracing::info!(%path, "replacing a member znode of another session");
            session
                .client
                .delete(path, Some(stat.version))
                .await
                .map(|()| None)
        };
        match result {
            Ok(written) => Ok(written),
            Err(ZkError::NoNode | ZkError::BadVersion) => Ok(None),
            Err(e) => Err(e).zk(),
        }
    }

    fn remember(&self, session: &Session, path: &str, stat: &Stat) -> Result<(), DcsError> {
        let write = MemberWrite {
            path: path.to_string(),
            session: session.id,
            version: stat.version,
        };
        *self.member.lock().unwrap_or_else(PoisonError::into_inner) = Some(write);
        Ok(())
    }

    fn last_member_write(&self) -> Option<MemberWrite> {
        self.member
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
