//! The node's member key `members/<name>`, written on the node's lease when its value
//! changes and kept alive with the lease in between.

use crate::backend::EtcdDcs;
use crate::error::EtcdError;
use etcd_client::PutOptions;
use std::time::Duration;
use tokio::time::Instant;

impl EtcdDcs {
    /// Writes `members/<name>` on the node's lease, keeping the lease alive.
    pub(crate) async fn put_member(
        &self,
        name: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<(), EtcdError> {
        let fresh = crate::lease::fresh_for(ttl);
        let deadline = self.endpoints.deadline();
        let lease = self
            .lease
            .refresh(&self.endpoints, ttl, fresh, deadline)
            .await?;
        match self.try_put_member(name, value, lease, deadline).await {
            Err(EtcdError::LeaseNotFound) => {
                self.lease.forget(lease).await;
                let lease = self
                    .lease
                    .keep_alive(&self.endpoints, ttl, deadline)
                    .await?;
                self.try_put_member(name, value, lease, deadline).await
            }
            other => other,
        }
    }

    /// Keeps the node's lease (and so `members/<name>`) alive; writes `value` again only
    /// when the lease had to be replaced, since the key went with the old one.
    pub(crate) async fn refresh_member(
        &self,
        name: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<(), EtcdError> {
        let before = self.lease.id().await;
        let fresh = crate::lease::fresh_for(ttl);
        let deadline = self.endpoints.deadline();
        let lease = self
            .lease
            .refresh(&self.endpoints, ttl, fresh, deadline)
            .await?;
        if before == Some(lease) {
            return Ok(());
        }
        self.put_member(name, value, ttl).await
    }

    async fn try_put_member(
        &self,
        name: &str,
        value: &str,
        lease: i64,
        deadline: Instant,
    ) -> Result<(), EtcdError> {
        let key = self.paths.member(name);
        let value = value.to_string();
        let resp = self
            .endpoints
            .call("touch member", deadline, |mut c| {
                let (key, value) = (key.clone(), value.clone());
                async move {
                    c.put(key, value, Some(PutOptions::new().with_lease(lease)))
                        .await
                }
            })
            .await?;
        self.record_write(resp.header());
        Ok(())
    }
}
