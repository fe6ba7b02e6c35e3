//! Reading the DCS part of a Patroni configuration file: `scope`, `namespace` and the
//! `etcd3` (or `etcd`) section, enough for an application to find its cluster.

use dcs_etcd::{EtcdConfig, EtcdDcs};
use std::path::Path;
use std::time::Duration;

/// How long one DCS request may take (Patroni's default `retry_timeout`).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// An etcd client for the cluster the Patroni file at `path` describes.
pub fn etcd_client(path: &Path) -> Result<EtcdDcs, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: serde_json::Value =
        serde_norway::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let scope = file
        .get("scope")
        .and_then(|v| v.as_str())
        .ok_or_else(|| format!("{}: `scope` is missing", path.display()))?;
    let namespace = file.get("namespace").and_then(|v| v.as_str());
    let section = file
        .get("etcd3")
        .or_else(|| file.get("etcd"))
        .ok_or_else(|| format!("{}: no `etcd3` (or `etcd`) section", path.display()))?;
    let config = EtcdConfig::from_patroni(section, scope, namespace, REQUEST_TIMEOUT)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    EtcdDcs::new(&config).map_err(|e| e.to_string())
}
