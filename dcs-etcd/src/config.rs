//! `EtcdConfig`: where the etcd cluster is, which cluster prefix to use, and how to connect.

use pg_ha_core::config::DEFAULT_RETRY_TIMEOUT;
use pg_ha_core::dcs::cluster_prefix;
use std::time::Duration;

pub use pg_ha_core::config::TlsPaths;
pub use pg_ha_core::dcs::DEFAULT_NAMESPACE;

/// Patroni's default `retry_timeout`, used as the default per-request deadline.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = DEFAULT_RETRY_TIMEOUT;

/// How to reach etcd and which cluster to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EtcdConfig {
    /// Endpoint URLs, e.g. `http://10.0.0.1:2379`; tried in order, with failover.
    pub endpoints: Vec<String>,
    /// Patroni's `namespace` (default `/service`).
    pub namespace: String,
    /// Patroni's `scope`: the cluster name.
    pub scope: String,
    /// Deadline of one backend call, failover between endpoints included (`retry_timeout`).
    pub request_timeout: Duration,
    /// User name for etcd authentication.
    pub username: Option<String>,
    /// Password for etcd authentication.
    pub password: Option<String>,
    /// TLS settings; `None` for plain `http`.
    pub tls: Option<TlsPaths>,
}

impl EtcdConfig {
    /// A configuration for `scope` on `endpoints` with Patroni's defaults: namespace
    /// `/service`, a 10 s request deadline, no authentication, no TLS.
    pub fn new(endpoints: Vec<String>, scope: impl Into<String>) -> EtcdConfig {
        EtcdConfig {
            endpoints,
            namespace: DEFAULT_NAMESPACE.to_string(),
            scope: scope.into(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            username: None,
            password: None,
            tls: None,
        }
    }

    /// The cluster prefix `/<namespace>/<scope>/`, with repeated slashes collapsed as Patroni
    /// does.
    pub fn prefix(&self) -> String {
        cluster_prefix(&self.namespace, &self.scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_under_the_namespace() {
        let mut cfg = EtcdConfig::new(vec![], "demo");
        assert_eq!(cfg.prefix(), "/service/demo/");
        cfg.namespace = "ns//x".into();
        assert_eq!(cfg.prefix(), "/ns/x/demo/");
    }
}
