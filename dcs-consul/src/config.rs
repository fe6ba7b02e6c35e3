//! `ConsulConfig`: which agents to talk to, which cluster prefix to use, and how.

use pg_ha_core::config::DEFAULT_RETRY_TIMEOUT;
use pg_ha_core::dcs::cluster_prefix;
use std::time::Duration;

pub use pg_ha_core::config::TlsPaths;
pub use pg_ha_core::dcs::DEFAULT_NAMESPACE;

/// Patroni's default `retry_timeout`, used as the default per-request deadline.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = DEFAULT_RETRY_TIMEOUT;

/// How long one blocking query waits server-side before it is re-issued.
pub const DEFAULT_WATCH_WAIT: Duration = Duration::from_secs(30);

/// Read consistency of the cluster reads (Consul's `?consistent` / `?stale` / default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Consistency {
    /// Consul's default mode (leader-served, may be stale for a moment after an election).
    #[default]
    Default,
    /// `?consistent`: the leader confirms its leadership with a quorum first.
    Consistent,
    /// `?stale`: any server answers.
    Stale,
}

impl Consistency {
    /// The query parameter of this mode, if any.
    pub fn query(self) -> Option<&'static str> {
        match self {
            Consistency::Default => None,
            Consistency::Consistent => Some("consistent"),
            Consistency::Stale => Some("stale"),
        }
    }
}

/// How to reach Consul and which cluster to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsulConfig {
    /// Agent base URLs, e.g. `http://127.0.0.1:8500`; tried in order, with failover.
    pub agents: Vec<String>,
    /// Patroni's `namespace` (default `/service`).
    pub namespace: String,
    /// Patroni's `scope`: the cluster name.
    pub scope: String,
    /// ACL token, sent as `X-Consul-Token`.
    pub token: Option<String>,
    /// Datacenter (`?dc=`); the agent's own if `None`.
    pub dc: Option<String>,
    /// Consistency of the cluster reads.
    pub consistency: Consistency,
    /// Health checks the session is bound to (Patroni's `checks`, default none: TTL only).
    pub checks: Vec<String>,
    /// Deadline of one backend call, failover between agents included (`retry_timeout`).
    pub request_timeout: Duration,
    /// Server-side wait of one blocking query.
    pub watch_wait: Duration,
    /// TLS settings for `https` agents.
    pub tls: Option<TlsPaths>,
}

impl ConsulConfig {
    /// A configuration for `scope` on `agents` with Patroni's defaults: namespace `/service`,
    /// a 10 s request deadline, default consistency, no checks, no token, no TLS.
    pub fn new(agents: Vec<String>, scope: impl Into<String>) -> ConsulConfig {
        ConsulConfig {
            agents,
            namespace: DEFAULT_NAMESPACE.to_string(),
            scope: scope.into(),
            token: None,
            dc: None,
            consistency: Consistency::Default,
            checks: Vec::new(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            watch_wait: DEFAULT_WATCH_WAIT,
            tls: None,
        }
    }

    /// The cluster prefix `<namespace>/<scope>/` with **no leading slash**, as Patroni's
    /// Consul backend writes it (`service/batman/`); repeated slashes are collapsed.
    pub fn prefix(&self) -> String {
        let path = cluster_prefix(&self.namespace, &self.scope);
        path.trim_start_matches('/').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_has_no_leading_slash() {
        let cfg = ConsulConfig::new(vec![], "batman");
        assert_eq!(cfg.prefix(), "service/batman/");
        let mut cfg = ConsulConfig::new(vec![], "demo");
        cfg.namespace = "ns//x/".into();
        assert_eq!(cfg.prefix(), "ns/x/demo/");
    }
}
