//! `ConsulDcs`: the [`Dcs`] implementation for one node of one cluster.

use crate::agents::Agents;
use crate::config::{Consistency, ConsulConfig};
use crate::error::{Failure, SetupError};
use crate::kv::Kv;
use crate::session::{Need, Sessions};
use async_trait::async_trait;
use pg_ha_core::dcs::ClusterPaths;
use pg_ha_core::model::{Condition, Key, Snapshot, Version};
use pg_ha_core::{Dcs, DcsError};
use std::future::Future;
use std::time::Duration;

/// The Consul backend for one node: its own session, the cluster's keys under
/// `<namespace>/<scope>/` (no leading slash) in Patroni's layout, failover between agents.
pub struct ConsulDcs {
    pub(crate) agents: Agents,
    pub(crate) paths: ClusterPaths,
    pub(crate) sessions: Sessions,
    pub(crate) dc: String,
    pub(crate) consistency: Consistency,
    pub(crate) watch_wait: Duration,
    request_timeout: Duration,
}

impl ConsulDcs {
    /// A backend for `config`. Reads the TLS files; connects lazily on the first call, so
    /// Consul need not be up yet.
    pub fn new(config: &ConsulConfig) -> Result<ConsulDcs, SetupError> {
        let agents = Agents::new(config)?;
        let sessions = Sessions::new(&config.scope, config.checks.clone(), config.dc.as_deref());
        Ok(ConsulDcs {
            agents,
            paths: ClusterPaths::new(config.prefix()),
            sessions,
            dc: config.dc.clone().unwrap_or_default(),
            consistency: config.consistency,
            watch_wait: config.watch_wait,
            request_timeout: config.request_timeout,
        })
    }

    /// The cluster prefix `<namespace>/<scope>/`.
    pub fn prefix(&self) -> &str {
        self.paths.prefix()
    }

    /// The id of the node's current session, if one was created.
    pub async fn session_id(&self) -> Option<String> {
        self.sessions.current().await
    }

    /// Destroys the node's session: its leader and member keys are deleted with it (a clean
    /// shutdown). A later call creates a new session.
    pub async fn close(&self) -> Result<(), DcsError> {
        self.bounded(self.sessions.destroy(&self.agents)).await
    }

    /// The KV primitives.
    pub(crate) fn kv(&self) -> Kv<'_> {
        Kv {
            agents: &self.agents,
            dc: &self.dc,
        }
    }

    /// Runs `op` with the node's session; if Consul says the session is invalid (it expired
    /// since the last renewal), forgets it and runs `op` once more with a new one.
    pub(crate) async fn with_session<'a, T, F, Fut>(
        &'a self,
        name: &str,
        ttl: Duration,
        need: Need,
        op: F,
    ) -> Result<T, Failure>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, Failure>> + 'a,
    {
        for _ in 0..2 {
            let session = self.sessions.session(&self.agents, name, ttl, need).await?;
            let Some(session) = session else { break };
            match op(session.clone()).await {
                Err(e) if e.is_invalid_session() => {
                    tracing::warn!(%session, "Consul says the session is invalid: creating a new one");
                    self.sessions.forget(&session).await;
                }
                other => return other,
            }
        }
        Err(Failure::Invalid(
            "no valid Consul session could be created".into(),
        ))
    }

    /// Bounds a call by the request timeout and converts its failure.
    async fn bounded<T>(
        &self,
        op: impl Future<Output = Result<T, Failure>>,
    ) -> Result<T, DcsError> {
        match tokio::time::timeout(self.request_timeout, op).await {
            Ok(result) => result.map_err(DcsError::from),
            Err(_) => Err(Failure::Timeout(self.request_timeout).into()),
        }
    }
}

#[async_trait]
impl Dcs for ConsulDcs {
    async fn read(&self) -> Result<Snapshot, DcsError> {
        self.bounded(self.list(None)).await
    }

    async fn acquire_leader(&self, name: &str, ttl: Duration) -> Result<bool, DcsError> {
        self.bounded(self.acquire(name, ttl)).await
    }

    async fn renew_leader(&self, name: &str, ttl: Duration) -> Result<bool, DcsError> {
        self.bounded(self.renew(name, ttl)).await
    }

    async fn release_leader(&self, name: &str) -> Result<bool, DcsError> {
        self.bounded(self.release(name)).await
    }

    async fn touch_member(&self, name: &str, value: &str, ttl: Duration) -> Result<(), DcsError> {
        self.bounded(self.put_member(name, value, ttl)).await
    }

    async fn write(
        &self,
        key: Key,
        value: &str,
        condition: Condition,
    ) -> Result<Option<Version>, DcsError> {
        self.bounded(self.write_key(key, value, condition)).await
    }

    async fn delete(&self, key: Key, condition: Condition) -> Result<bool, DcsError> {
        self.bounded(self.delete_key(key, condition)).await
    }

    async fn delete_cluster(&self) -> Result<(), DcsError> {
        self.bounded(self.delete_prefix()).await
    }

    async fn wait_for_change(&self, after: u64) -> Result<u64, DcsError> {
        self.wait_change(after).await
    }
}
