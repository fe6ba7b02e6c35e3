//! `EtcdDcs`: the [`Dcs`] implementation for one node of one cluster.

use crate::config::EtcdConfig;
use crate::endpoints::Endpoints;
use crate::error::{EtcdError, SetupError};
use crate::lease::NodeLease;
use crate::options::ConnectSettings;
use crate::recent::ReadCache;
use async_trait::async_trait;
use pg_ha_core::dcs::ClusterPaths;
use pg_ha_core::model::{Condition, Key, Snapshot, Version};
use pg_ha_core::{Dcs, DcsError};
use std::time::Duration;

/// The etcd v3 backend for one node: its own lease, the cluster's keys under
/// `/<namespace>/<scope>/` in Patroni's layout, failover between endpoints.
pub struct EtcdDcs {
    pub(crate) endpoints: Endpoints,
    pub(crate) paths: ClusterPaths,
    pub(crate) lease: NodeLease,
    pub(crate) watch: tokio::sync::Mutex<Option<crate::watch::OpenWatch>>,
    pub(crate) cache: ReadCache,
}

impl EtcdDcs {
    /// A backend for `config`. Reads the TLS files; connects lazily on the first call, so
    /// etcd need not be up yet.
    pub fn new(config: &EtcdConfig) -> Result<EtcdDcs, SetupError> {
        if config.endpoints.is_empty() {
            return Err(SetupError::NoEndpoints);
        }
        if let Some(bad) = config
            .endpoints
            .iter()
            .find(|e| !(e.starts_with("http://") || e.starts_with("https://")))
        {
            return Err(SetupError::BadEndpoint(bad.clone()));
        }
        let settings = ConnectSettings::from_config(config)?;
        Ok(EtcdDcs {
            endpoints: Endpoints::new(&config.endpoints, settings, config.request_timeout),
            paths: ClusterPaths::new(config.prefix()),
            lease: NodeLease::default(),
            watch: tokio::sync::Mutex::new(None),
            cache: ReadCache::default(),
        })
    }

    /// The cluster prefix `/<namespace>/<scope>/`.
    pub fn prefix(&self) -> &str {
        self.paths.prefix()
    }

    /// The id of the node's current lease, if one was granted.
    pub async fn lease_id(&self) -> Option<i64> {
        self.lease.id().await
    }
}

#[async_trait]
impl Dcs for EtcdDcs {
    async fn read(&self) -> Result<Snapshot, DcsError> {
        let generation = self.cache.generation();
        let snapshot = self.watched(self.read_prefix().await)?;
        self.cache.store(generation, &snapshot);
        Ok(snapshot)
    }

    async fn read_recent(&self) -> Result<Snapshot, DcsError> {
        match self.recent_from_watch() {
            Some(snapshot) => Ok(snapshot),
            None => self.read().await,
        }
    }

    async fn acquire_leader(&self, name: &str, ttl: Duration) -> Result<bool, DcsError> {
        self.wrote(self.acquire(name, ttl).await)
    }

    async fn renew_leader(&self, name: &str, ttl: Duration) -> Result<bool, DcsError> {
        let lease = self.lease.id().await;
        let result = self.renew(name, ttl).await;
        if !matches!(result, Ok(true)) || self.lease.id().await != lease {
            self.cache.invalidate();
        }
        Ok(result?)
    }

    async fn lease_extended_ago(&self) -> Option<Duration> {
        self.lease.extended_ago().await
    }

    async fn release_leader(&self, name: &str) -> Result<bool, DcsError> {
        self.wrote(self.release(name).await)
    }

    async fn touch_member(&self, name: &str, value: &str, ttl: Duration) -> Result<(), DcsError> {
        self.wrote(self.put_member(name, value, ttl).await)
    }

    async fn refresh_member(&self, name: &str, value: &str, ttl: Duration) -> Result<(), DcsError> {
        let lease = self.lease.id().await;
        let result = EtcdDcs::refresh_member(self, name, value, ttl).await;
        if result.is_err() || self.lease.id().await != lease {
            self.cache.invalidate();
        }
        Ok(result?)
    }

    async fn write(
        &self,
        key: Key,
        value: &str,
        condition: Condition,
    ) -> Result<Option<Version>, DcsError> {
        self.wrote(self.write_key(key, value, condition).await)
    }

    async fn delete(&self, key: Key, condition: Condition) -> Result<bool, DcsError> {
        self.wrote(self.delete_key(key, condition).await)
    }

    async fn delete_cluster(&self) -> Result<(), DcsError> {
        let result = self.delete_prefix().await;
        self.cache.invalidate();
        Ok(result?)
    }

    async fn wait_for_change(&self, after: u64) -> Result<u64, DcsError> {
        self.watched(self.wait_change(after).await)
    }
}

impl EtcdDcs {
    /// After a request that may have written: a success recorded its revision in the read
    /// cache; a failure may have written or not, and the cache is dropped.
    fn wrote<T>(&self, result: Result<T, EtcdError>) -> Result<T, DcsError> {
        if result.is_err() {
            self.cache.invalidate();
        }
        Ok(result?)
    }

    /// After a read or a wait: a failure invalidates the last read.
    fn watched<T>(&self, result: Result<T, EtcdError>) -> Result<T, DcsError> {
        if result.is_err() {
            self.cache.invalidate();
        }
        Ok(result?)
    }
}
