//! Turns one range response over the cluster prefix into a [`Snapshot`].

use crate::error::EtcdError;
use etcd_client::{GetResponse, KeyValue, ResponseHeader};
use pg_ha_core::dcs::ClusterPaths;
use pg_ha_core::model::{Entry, Snapshot};

/// The snapshot of a prefix range. Keys or values that are not UTF-8 cannot be represented
/// and are left out with a warning; everything else is kept as stored.
pub(crate) fn from_range(resp: &GetResponse, paths: &ClusterPaths) -> Result<Snapshot, EtcdError> {
    let revision = header_revision(resp.header())?;
    let entries = resp
        .kvs()
        .iter()
        .filter_map(|kv| entry(kv, paths))
        .collect();
    Ok(Snapshot { revision, entries })
}

/// The store revision of a response header.
pub(crate) fn header_revision(header: Option<&ResponseHeader>) -> Result<u64, EtcdError> {
    let header =
        header.ok_or_else(|| EtcdError::Rejected("etcd response without header".to_string()))?;
    Ok(revision(header.revision()))
}

/// An etcd revision (never negative) as a [`pg_ha_core::model::Version`].
pub(crate) fn revision(rev: i64) -> u64 {
    u64::try_from(rev).unwrap_or(0)
}

fn entry(kv: &KeyValue, paths: &ClusterPaths) -> Option<Entry> {
    let Ok(key) = kv.key_str() else {
        tracing::warn!(key = %String::from_utf8_lossy(kv.key()), "skipping etcd key that is not UTF-8");
        return None;
    };
    let relative = paths.relative(key)?;
    let Ok(value) = kv.value_str() else {
        tracing::warn!(key, "skipping etcd value that is not UTF-8");
        return None;
    };
    Some(Entry {
        key: relative.to_string(),
        value: value.to_string(),
        version: revision(kv.mod_revision()),
        session: (kv.lease() != 0).then(|| kv.lease().to_string()),
    })
}
