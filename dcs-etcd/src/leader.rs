//! The leader key: acquire (create-if-absent with the node's lease), renew (keep the lease
//! alive, check the key is still ours and on our lease) and release (delete if still ours).

use crate::backend::EtcdDcs;
use crate::error::EtcdError;
use etcd_client::proto::{PbKeyValue, PbTxnOpResponse};
use etcd_client::{Compare, CompareOp, PutOptions, Txn, TxnOp, TxnResponse};
use pg_ha_core::config::leader_keep_alive_skip;
use std::time::Duration;
use tokio::time::Instant;

/// The leader key as found by the failure branch of a transaction (read from the raw
/// response, so a malformed answer is `None` rather than a panic).
fn found_leader(resp: &TxnResponse) -> Option<&PbKeyValue> {
    resp.0.responses.iter().find_map(|op| match &op.response {
        Some(PbTxnOpResponse::ResponseRange(range)) => range.kvs.first(),
        _ => None,
    })
}

impl EtcdDcs {
    /// Creates the leader key with `name` on the node's lease if no leader key exists.
    pub(crate) async fn acquire(&self, name: &str, ttl: Duration) -> Result<bool, EtcdError> {
        let deadline = self.endpoints.deadline();
        let lease = self
            .lease
            .keep_alive(&self.endpoints, ttl, deadline)
            .await?;
        match self.try_acquire(name, lease, deadline).await {
            Err(EtcdError::LeaseNotFound) => {
                self.lease.forget(lease).await;
                let lease = self
                    .lease
                    .keep_alive(&self.endpoints, ttl, deadline)
                    .await?;
                self.try_acquire(name, lease, deadline).await
            }
            other => other,
        }
    }

    async fn try_acquire(
        &self,
        name: &str,
        lease: i64,
        deadline: Instant,
    ) -> Result<bool, EtcdError> {
        let key = self.paths.leader();
        let txn = Txn::new()
            .when([Compare::create_revision(key.as_str(), CompareOp::Equal, 0)])
            .and_then([TxnOp::put(
                key.as_str(),
                name,
                Some(PutOptions::new().with_lease(lease)),
            )])
            .or_else([TxnOp::get(key.as_str(), None)]);
        let resp = self.write_txn("acquire leader", deadline, txn).await?;
        if resp.succeeded() {
            tracing::info!(name, lease, "acquired the leader key");
            return Ok(true);
        }
        // A retried request may find the key it wrote itself.
        let ours =
            found_leader(&resp).is_some_and(|kv| kv.value == name.as_bytes() && kv.lease == lease);
        if !ours {
            tracing::debug!(name, "could not take out TTL lock: the leader key exists");
        }
        Ok(ours)
    }

    /// Keeps the lease alive (a keep-alive unless the last one was sent less than
    /// [`leader_keep_alive_skip`] ago; the runner dates the renewal by
    /// [`crate::lease::NodeLease::extended_ago`]) and checks that the leader key holds `name`
    /// on our lease: from the watch-fed read cache when it is current, as Patroni's etcd3
    /// leader does, else with a transaction. A key that holds `name` on another lease (an old
    /// one of ours) is moved to the current lease.
    pub(crate) async fn renew(&self, name: &str, ttl: Duration) -> Result<bool, EtcdError> {
        let deadline = self.endpoints.deadline();
        let before = self.lease.id().await;
        let lease = self
            .lease
            .refresh(&self.endpoints, ttl, leader_keep_alive_skip(ttl), deadline)
            .await?;
        if before == Some(lease) && self.watch_shows_leader(name, lease) {
            return Ok(true);
        }
        let key = self.paths.leader();
        let txn = Txn::new()
            .when([
                Compare::value(key.as_str(), CompareOp::Equal, name),
                Compare::lease(key.as_str(), CompareOp::Equal, lease),
            ])
            .or_else([TxnOp::get(key.as_str(), None)]);
        let resp = self.txn("renew leader", deadline, txn).await?;
        if resp.succeeded() {
            return Ok(true);
        }
        match found_leader(&resp) {
            Some(kv) if kv.value == name.as_bytes() => {
                self.reattach(name, lease, kv, deadline).await
            }
            Some(kv) => {
                let holder = String::from_utf8_lossy(&kv.value);
                tracing::warn!(name, %holder, "leader key is held by another member");
                Ok(false)
            }
            None => {
                tracing::warn!(name, "leader key is gone");
                Ok(false)
            }
        }
    }

    /// The read cache, current with the watch, shows the leader key holding `name` on
    /// `lease`.
    fn watch_shows_leader(&self, name: &str, lease: i64) -> bool {
        let lease = lease.to_string();
        self.recent_from_watch().is_some_and(|snapshot| {
            snapshot
                .get("leader")
                .is_some_and(|e| e.value == name && e.session.as_deref() == Some(lease.as_str()))
        })
    }

    /// Re-puts the leader key (still holding `name`) with the current lease, if it did not
    /// change since it was read.
    async fn reattach(
        &self,
        name: &str,
        lease: i64,
        seen: &PbKeyValue,
        deadline: Instant,
    ) -> Result<bool, EtcdError> {
        let key = self.paths.leader();
        let txn = Txn::new()
            .when([
                Compare::value(key.as_str(), CompareOp::Equal, name),
                Compare::mod_revision(key.as_str(), CompareOp::Equal, seen.mod_revision),
            ])
            .and_then([TxnOp::put(
                key.as_str(),
                name,
                Some(PutOptions::new().with_lease(lease)),
            )]);
        let resp = match self
            .write_txn("move leader key to new lease", deadline, txn)
            .await
        {
            Err(EtcdError::LeaseNotFound) => {
                self.lease.forget(lease).await;
                return Ok(false);
            }
            other => other?,
        };
        if resp.succeeded() {
            tracing::info!(
                name,
                old = seen.lease,
                lease,
                "moved the leader key to the current lease"
            );
        }
        Ok(resp.succeeded())
    }

    /// Deletes the leader key if it still holds `name`.
    pub(crate) async fn release(&self, name: &str) -> Result<bool, EtcdError> {
        let key = self.paths.leader();
        let txn = Txn::new()
            .when([Compare::value(key.as_str(), CompareOp::Equal, name)])
            .and_then([TxnOp::delete(key.as_str(), None)]);
        let resp = self
            .write_txn("release leader", self.endpoints.deadline(), txn)
            .await?;
        if resp.succeeded() {
            tracing::info!(name, "released the leader key");
        }
        Ok(resp.succeeded())
    }
}
