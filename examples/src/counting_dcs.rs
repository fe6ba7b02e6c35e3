//! A `Dcs` of your own: `CountingDcs` wraps any backend and counts its requests by kind
//! (what an operator wants to know about the load an idle cluster puts on its DCS). It
//! delegates every call, including the optional ones (`read_recent`, `refresh_member`), so
//! the backend's own optimisations stay in force; `tests/custom_dcs.rs` proves it with the
//! exported conformance suite.

use async_trait::async_trait;
use pg_ha_core::model::{Condition, Key, Snapshot, Version};
use pg_ha_core::{Dcs, DcsError};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Requests made so far, by the name of the `Dcs` method.
#[derive(Debug, Clone, Default)]
pub struct Counts(Arc<Mutex<BTreeMap<&'static str, u64>>>);

impl Counts {
    fn add(&self, what: &'static str) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *map.entry(what).or_default() += 1;
    }

    /// The counts now.
    pub fn snapshot(&self) -> BTreeMap<&'static str, u64> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// `inner` with every request counted in a [`Counts`] (shared by clones of the handle).
#[derive(Debug)]
pub struct CountingDcs<D> {
    inner: D,
    counts: Counts,
}

impl<D: Dcs> CountingDcs<D> {
    /// Counts `inner`'s requests into `counts`.
    pub fn new(inner: D, counts: Counts) -> CountingDcs<D> {
        CountingDcs { inner, counts }
    }
}

#[async_trait]
impl<D: Dcs> Dcs for CountingDcs<D> {
    async fn read(&self) -> Result<Snapshot, DcsError> {
        self.counts.add("read");
        self.inner.read().await
    }

    async fn read_recent(&self) -> Result<Snapshot, DcsError> {
        self.counts.add("read_recent");
        self.inner.read_recent().await
    }

    async fn acquire_leader(&self, name: &str, ttl: Duration) -> Result<bool, DcsError> {
        self.counts.add("acquire_leader");
        self.inner.acquire_leader(name, ttl).await
    }

    async fn renew_leader(&self, name: &str, ttl: Duration) -> Result<bool, DcsError> {
        self.counts.add("renew_leader");
        self.inner.renew_leader(name, ttl).await
    }

    async fn lease_extended_ago(&self) -> Option<Duration> {
        self.inner.lease_extended_ago().await
    }

    async fn release_leader(&self, name: &str) -> Result<bool, DcsError> {
        self.counts.add("release_leader");
        self.inner.release_leader(name).await
    }

    async fn touch_member(&self, name: &str, value: &str, ttl: Duration) -> Result<(), DcsError> {
        self.counts.add("touch_member");
        self.inner.touch_member(name, value, ttl).await
    }

    async fn refresh_member(&self, name: &str, value: &str, ttl: Duration) -> Result<(), DcsError> {
        self.counts.add("refresh_member");
        self.inner.refresh_member(name, value, ttl).await
    }

    async fn write(
        &self,
        key: Key,
        value: &str,
        condition: Condition,
    ) -> Result<Option<Version>, DcsError> {
        self.counts.add("write");
        self.inner.write(key, value, condition).await
    }

    async fn delete(&self, key: Key, condition: Condition) -> Result<bool, DcsError> {
        self.counts.add("delete");
        self.inner.delete(key, condition).await
    }

    async fn delete_cluster(&self) -> Result<(), DcsError> {
        self.counts.add("delete_cluster");
        self.inner.delete_cluster().await
    }

    async fn wait_for_change(&self, after: u64) -> Result<u64, DcsError> {
        self.counts.add("wait_for_change");
        self.inner.wait_for_change(after).await
    }
}
