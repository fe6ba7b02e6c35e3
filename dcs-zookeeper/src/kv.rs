//! Conditional writes and deletes of the cluster-wide keys.
//!
//! Versions are `mzxid`s: globally unique, never reused after a delete and re-create, never
//! 0 (Patroni also uses `mzxid` as the config's `modify_version`). A write at `Version(v)`
//! reads the znode's stat, compares its `mzxid` with `v`, then sets the data at the znode
//! `version` of that stat, so it fails if anything changed in between. `initialize` races use
//! create-only; `sync` is never deleted, but set to `{}`, as Patroni's ZooKeeper backend does.

use crate::backend::ZooKeeperDcs;
use crate::error::ZkResultExt;
use crate::session::Session;
use pg_ha_core::model::{Condition, Key, Version};
use pg_ha_core::DcsError;
use zookeeper_client::{CreateMode, Error as ZkError, Stat};

/// Attempts of the set / create loop of an unconditional write.
const ATTEMPTS: usize = 4;

/// What `sync` holds when it is "deleted".
const EMPTY_SYNC: &str = "{}";

impl ZooKeeperDcs {
    /// Writes `key` if `condition` holds; the new `mzxid`, or `None` if it did not.
    pub(crate) async fn write_key(
        &self,
        key: Key,
        value: &str,
        condition: Condition,
    ) -> Result<Option<Version>, DcsError> {
        let session = self.sessions.get(None).await?;
        let path = self.paths.key(key);
        let stat = match condition {
            Condition::Any => Some(self.set_or_create(&session, &path, value).await?),
            Condition::Absent => self.create_persistent(&session, &path, value).await?,
            Condition::Version(version) => self.set_at(&session, &path, value, version).await?,
        };
        Ok(stat.map(|s| s.mzxid.max(0) as u64))
    }

    /// Deletes `key` if `condition` holds (`sync`: writes `{}` instead).
    pub(crate) async fn delete_key(
        &self,
        key: Key,
        condition: Condition,
    ) -> Result<bool, DcsError> {
        if key == Key::Sync {
            return match condition {
                Condition::Absent => Ok(false),
                _ => Ok(self.write_key(key, EMPTY_SYNC, condition).await?.is_some()),
            };
        }
        let session = self.sessions.get(None).await?;
        let path = self.paths.key(key);
        match condition {
            Condition::Absent => Ok(false),
            Condition::Any => match session.client.delete(&path, None).await {
                Ok(()) | Err(ZkError::NoNode) => Ok(true),
                Err(e) => Err(e).zk(),
            },
            Condition::Version(version) => {
                let Some(stat) = self.stat_at(&session, &path, version).await? else {
                    return Ok(false);
                };
                match session.client.delete(&path, Some(stat.version)).await {
                    Ok(()) => Ok(true),
                    Err(ZkError::NoNode | ZkError::BadVersion) => Ok(false),
                    Err(e) => Err(e).zk(),
                }
            }
        }
    }

    /// Sets the data, creating the znode (and its parents) if it is missing.
    async fn set_or_create(
        &self,
        session: &Session,
        path: &str,
        value: &str,
    ) -> Result<Stat, DcsError> {
        for _ in 0..ATTEMPTS {
            match session.client.set_data(path, value.as_bytes(), None).await {
                Ok(stat) => return Ok(stat),
                Err(ZkError::NoNode) => {}
                Err(e) => return Err(e).zk(),
            }
            if let Some(stat) = self.create_persistent(session, path, value).await? {
                return Ok(stat);
            }
        }
        Err(DcsError::Rejected(format!(
            "zookeeper: `{path}` kept appearing and vanishing while it was written"
        )))
    }

    /// Creates a persistent znode (and its parents); `None` if it exists.
    async fn create_persistent(
        &self,
        session: &Session,
        path: &str,
        value: &str,
    ) -> Result<Option<Stat>, DcsError> {
        let options = CreateMode::Persistent.with_acls(self.acls());
        for _ in 0..2 {
            match session
                .client
                .create(path, value.as_bytes(), &options)
                .await
            {
                Ok((stat, _)) => return Ok(Some(stat)),
                Err(ZkError::NodeExists) => return Ok(None),
                Err(ZkError::NoNode) => self.make_parents(&session.client, path).await?,
                Err(e) => return Err(e).zk(),
            }
        }
        Ok(None)
    }

    /// Sets the data only if the znode's `mzxid` is `version`.
    async fn set_at(
        &self,
        session: &Session,
        path: &str,
        value: &str,
        version: Version,
    ) -> Result<Option<Stat>, DcsError> {
        let Some(stat) = self.stat_at(session, path, version).await? else {
            return Ok(None);
        };
        match session
            .client
            .set_data(path, value.as_bytes(), Some(stat.version))
            .await
        {
            Ok(stat) => Ok(Some(stat)),
            Err(ZkError::NoNode | ZkError::BadVersion) => Ok(None),
            Err(e) => Err(e).zk(),
        }
    }

    /// The znode's stat if it exists with `mzxid == version`.
    async fn stat_at(
        &self,
        session: &Session,
        path: &str,
        version: Version,
    ) -> Result<Option<Stat>, DcsError> {
        if version == 0 {
            return Ok(None);
        }
        let stat = session.client.check_stat(path).await.zk()?;
        Ok(stat.filter(|s| s.mzxid.max(0) as u64 == version))
    }
}
