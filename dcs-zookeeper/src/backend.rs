//! `ZooKeeperDcs`: the [`Dcs`] implementation for one node of one cluster.

use crate::config::ZooKeeperConfig;
use crate::connect::Connect;
use crate::error::{bounded, SetupError};
use crate::member::MemberWrite;
use crate::paths::ScopeNode;
use crate::session::Sessions;
use async_trait::async_trait;
use pg_ha_core::dcs::ClusterPaths;
use pg_ha_core::model::{Condition, Key, Snapshot, Version};
use pg_ha_core::{Dcs, DcsError};
use std::sync::Mutex;
use std::time::Duration;

/// The ZooKeeper backend for one node: its own session, the cluster's znodes under
/// `/<namespace>/<scope>/` in Patroni's layout.
pub struct ZooKeeperDcs {
    pub(crate) paths: ClusterPaths,
    pub(crate) sessions: Sessions,
    pub(crate) member: Mutex<Option<MemberWrite>>,
    request_timeout: Duration,
}

impl ZooKeeperDcs {
    /// A backend for `config`. Reads the TLS files; connects lazily on the first call, so
    /// ZooKeeper need not be up yet.
    pub fn new(config: &ZooKeeperConfig) -> Result<ZooKeeperDcs, SetupError> {
        let connect = Connect::from_config(config)?;
        let paths = ClusterPaths::new(config.prefix());
        let sessions = Sessions::new(connect, paths.scope().to_string(), config.session_timeout);
        Ok(ZooKeeperDcs {
            paths,
            sessions,
            member: Mutex::new(None),
            request_timeout: config.request_timeout,
        })
    }

    /// The scope znode `/<namespace>/<scope>`.
    pub fn scope_path(&self) -> &str {
        self.paths.scope()
    }

    /// The id of the current ZooKeeper session (opening one if needed), as `0x...`.
    pub async fn session_id(&self) -> Result<String, DcsError> {
        let session = bounded(self.request_timeout, "connect", self.sessions.get(None)).await?;
        Ok(crate::session::hex(session.id))
    }
}

#[async_trait]
impl Dcs for ZooKeeperDcs {
    async fn read(&self) -> Result<Snapshot, DcsError> {
        bounded(self.request_timeout, "read", self.read_snapshot()).await
    }

    async fn acquire_leader(&self, name: &str, ttl: Duration) -> Result<bool, DcsError> {
        bounded(
            self.request_timeout,
            "acquire_leader",
            self.acquire(name, ttl),
        )
        .await
    }

    async fn renew_leader(&self, name: &str, ttl: Duration) -> Result<bool, DcsError> {
        bounded(self.request_timeout, "renew_leader", self.renew(name, ttl)).await
    }

    async fn release_leader(&self, name: &str) -> Result<bool, DcsError> {
        bounded(self.request_timeout, "release_leader", self.release(name)).await
    }

    async fn touch_member(&self, name: &str, value: &str, ttl: Duration) -> Result<(), DcsError> {
        let op = self.put_member(name, value, ttl);
        bounded(self.request_timeout, "touch_member", op).await
    }

    async fn write(
        &self,
        key: Key,
        value: &str,
        condition: Condition,
    ) -> Result<Option<Version>, DcsError> {
        let op = self.write_key(key, value, condition);
        bounded(self.request_timeout, "write", op).await
    }

    async fn delete(&self, key: Key, condition: Condition) -> Result<bool, DcsError> {
        bounded(
            self.request_timeout,
            "delete",
            self.delete_key(key, condition),
        )
        .await
    }

    async fn delete_cluster(&self) -> Result<(), DcsError> {
        bounded(
            self.request_timeout,
            "delete_cluster",
            self.delete_subtree(),
        )
        .await
    }

    async fn wait_for_change(&self, after: u64) -> Result<u64, DcsError> {
        self.wait_change(after).await
    }
}
