//! `ZooKeeperConfig`: where the ensemble is, which cluster prefix to use, and how to connect.

use pg_ha_core::config::{DEFAULT_RETRY_TIMEOUT, DEFAULT_TTL};
use pg_ha_core::dcs::cluster_prefix;
use std::time::Duration;

pub use pg_ha_core::config::TlsPaths;
pub use pg_ha_core::dcs::DEFAULT_NAMESPACE;

/// Patroni's default `retry_timeout`, used as the default per-request deadline.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = DEFAULT_RETRY_TIMEOUT;

/// Patroni's default `ttl`, used as the session timeout until a call names another ttl.
pub const DEFAULT_SESSION_TIMEOUT: Duration = DEFAULT_TTL;

/// One `(scheme, credential)` pair sent with `addAuth` on every connection, e.g.
/// `("digest", "user:password")`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthData {
    /// The authentication scheme (`digest`, `x509`, ...).
    pub scheme: String,
    /// The scheme's credential, e.g. `user:password` for `digest`.
    pub credential: String,
}

/// How to reach ZooKeeper and which cluster to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZooKeeperConfig {
    /// `host:port` of every server of the ensemble; tried in turn by the client.
    pub hosts: Vec<String>,
    /// Patroni's `namespace` (default `/service`).
    pub namespace: String,
    /// Patroni's `scope`: the cluster name.
    pub scope: String,
    /// Deadline of one backend call, reconnects included (`retry_timeout`).
    pub request_timeout: Duration,
    /// The session timeout until a call passes another ttl (Patroni: session timeout = ttl).
    pub session_timeout: Duration,
    /// Credentials added to every session (`auth_data`).
    pub auth: Vec<AuthData>,
    /// TLS settings; `None` for plain connections (`use_ssl: false`).
    pub tls: Option<TlsPaths>,
}

impl ZooKeeperConfig {
    /// A configuration for `scope` on `hosts` with Patroni's defaults: namespace `/service`, a
    /// 10 s request deadline, a 30 s session timeout, no authentication, no TLS.
    pub fn new(hosts: Vec<String>, scope: impl Into<String>) -> ZooKeeperConfig {
        ZooKeeperConfig {
            hosts,
            namespace: DEFAULT_NAMESPACE.to_string(),
            scope: scope.into(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            session_timeout: DEFAULT_SESSION_TIMEOUT,
            auth: Vec::new(),
            tls: None,
        }
    }

    /// The cluster prefix `/<namespace>/<scope>/`, with repeated slashes collapsed as Patroni
    /// does.
    pub fn prefix(&self) -> String {
        cluster_prefix(&self.namespace, &self.scope)
    }

    /// The connect string `host1:port1,host2:port2`.
    pub fn connect_string(&self) -> String {
        self.hosts.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_and_connect_string() {
        let mut cfg = ZooKeeperConfig::new(vec!["zk:2181".into(), "zk2:2181".into()], "demo");
        assert_eq!(cfg.prefix(), "/service/demo/");
        assert_eq!(cfg.connect_string(), "zk:2181,zk2:2181");
        cfg.namespace = "ns//x".into();
        assert_eq!(cfg.prefix(), "/ns/x/demo/");
    }
}
