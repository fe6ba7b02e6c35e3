//! Conditional writes and deletes of the cluster-wide keys.
//!
//! `Absent` is `?cas=0`; `Version(v)` is `?cas=v` (never for `v = 0`, which Consul reads as
//! "absent"); `Any` is a plain PUT. Consul answers a successful write with `true` only, so the
//! new `ModifyIndex` is read back with a consistent read, as Patroni does after a sync write
//! (another writer between the two calls would make this report its version).
//! A versioned delete first checks that the key exists: Consul answers `true` to a `cas`
//! delete of a missing key.

use crate::backend::ConsulDcs;
use crate::error::Failure;
use crate::kv::Put;
use pg_ha_core::model::{Condition, Key, Version};

impl ConsulDcs {
    /// Writes `key` if `condition` holds; its new `ModifyIndex`, or `None`.
    pub(crate) async fn write_key(
        &self,
        key: Key,
        value: &str,
        condition: Condition,
    ) -> Result<Option<Version>, Failure> {
        let path = self.paths.key(key);
        let put = match condition {
            Condition::Any => Put::Plain,
            Condition::Absent => Put::Cas(0),
            Condition::Version(0) => return Ok(None),
            Condition::Version(v) => Put::Cas(v),
        };
        if !self.kv().put(&path, value, put).await? {
            return Ok(None);
        }
        match self.kv().get(&path).await? {
            Some(stored) => Ok(Some(stored.index)),
            None => Err(Failure::Invalid(format!(
                "`{path}` vanished right after it was written"
            ))),
        }
    }

    /// Deletes `key` if `condition` holds.
    pub(crate) async fn delete_key(&self, key: Key, condition: Condition) -> Result<bool, Failure> {
        let path = self.paths.key(key);
        match condition {
            Condition::Absent | Condition::Version(0) => Ok(false),
            Condition::Any => self.kv().delete(&path, None).await,
            Condition::Version(v) => match self.kv().get(&path).await? {
                Some(stored) if stored.index == v => self.kv().delete(&path, Some(v)).await,
                _ => Ok(false),
            },
        }
    }

    /// Deletes every key under the prefix.
    pub(crate) async fn delete_prefix(&self) -> Result<(), Failure> {
        self.kv().delete_tree(self.paths.prefix()).await?;
        Ok(())
    }
}
