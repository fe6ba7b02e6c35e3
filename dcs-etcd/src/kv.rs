//! Reads of the cluster prefix and conditional writes and deletes of cluster-wide keys.

use crate::backend::EtcdDcs;
use crate::error::EtcdError;
use crate::snapshot::{from_range, header_revision};
use etcd_client::{Compare, CompareOp, DeleteOptions, GetOptions, Txn, TxnOp, TxnResponse};
use pg_ha_core::model::{Condition, Key, Snapshot, Version};
use tokio::time::Instant;

/// The compares that implement `condition` on `key`. `Version(v)` also requires the key to
/// exist: a missing key has mod_revision 0 in etcd, and `Version(0)` must not match it.
fn compares(key: &str, condition: Condition) -> Vec<Compare> {
    match condition {
        Condition::Any => Vec::new(),
        Condition::Absent => vec![Compare::create_revision(key, CompareOp::Equal, 0)],
        Condition::Version(v) => vec![
            Compare::create_revision(key, CompareOp::Greater, 0),
            Compare::mod_revision(key, CompareOp::Equal, i64::try_from(v).unwrap_or(i64::MAX)),
        ],
    }
}

impl EtcdDcs {
    /// One linearizable range over the cluster prefix.
    pub(crate) async fn read_prefix(&self) -> Result<Snapshot, EtcdError> {
        let prefix = self.paths.prefix().to_string();
        let deadline = self.endpoints.deadline();
        let resp = self
            .endpoints
            .call("read", deadline, |mut c| {
                let prefix = prefix.clone();
                async move { c.get(prefix, Some(GetOptions::new().with_prefix())).await }
            })
            .await?;
        from_range(&resp, &self.paths)
    }

    /// Runs `txn`, retrying on other endpoints until `deadline`.
    pub(crate) async fn txn(
        &self,
        what: &str,
        deadline: Instant,
        txn: Txn,
    ) -> Result<TxnResponse, EtcdError> {
        self.endpoints
            .call(what, deadline, |mut c| {
                let txn = txn.clone();
                async move { c.txn(txn).await }
            })
            .await
    }

    /// Runs `txn` whose success branch writes; a success is recorded in the read cache, so
    /// that recent reads show it.
    pub(crate) async fn write_txn(
        &self,
        what: &str,
        deadline: Instant,
        txn: Txn,
    ) -> Result<TxnResponse, EtcdError> {
        let resp = self.txn(what, deadline, txn).await?;
        if resp.succeeded() {
            self.record_write(resp.header());
        }
        Ok(resp)
    }

    /// Records the revision a successful write of this node created (in its response
    /// header); without one, the read cache is dropped.
    pub(crate) fn record_write(&self, header: Option<&etcd_client::ResponseHeader>) {
        match header_revision(header) {
            Ok(rev) => self.cache.wrote(rev),
            Err(_) => self.cache.invalidate(),
        }
    }

    /// Writes `value` to `key` if `condition` holds; the new version, or `None`.
    pub(crate) async fn write_key(
        &self,
        key: Key,
        value: &str,
        condition: Condition,
    ) -> Result<Option<Version>, EtcdError> {
        let path = self.paths.key(key);
        let put = TxnOp::put(path.as_str(), value, None);
        let txn = Txn::new().when(compares(&path, condition)).and_then([put]);
        let resp = self
            .write_txn(key.path(), self.endpoints.deadline(), txn)
            .await?;
        if !resp.succeeded() {
            tracing::debug!(
                key = key.path(),
                ?condition,
                "conditional write not applied"
            );
            return Ok(None);
        }
        header_revision(resp.header()).map(Some)
    }

    /// Deletes `key` if `condition` holds.
    pub(crate) async fn delete_key(
        &self,
        key: Key,
        condition: Condition,
    ) -> Result<bool, EtcdError> {
        let path = self.paths.key(key);
        let delete = TxnOp::delete(path.as_str(), None);
        let txn = Txn::new()
            .when(compares(&path, condition))
            .and_then([delete]);
        let resp = self
            .write_txn(key.path(), self.endpoints.deadline(), txn)
            .await?;
        Ok(resp.succeeded())
    }

    /// Deletes every key under the cluster prefix.
    pub(crate) async fn delete_prefix(&self) -> Result<(), EtcdError> {
        let prefix = self.paths.prefix().to_string();
        let deadline = self.endpoints.deadline();
        self.endpoints
            .call("delete cluster", deadline, |mut c| {
                let prefix = prefix.clone();
                async move {
                    c.delete(prefix, Some(DeleteOptions::new().with_prefix()))
                        .await
                }
            })
            .await?;
        tracing::info!(
            prefix = self.paths.prefix(),
            "deleted the cluster from etcd"
        );
        Ok(())
    }
}
