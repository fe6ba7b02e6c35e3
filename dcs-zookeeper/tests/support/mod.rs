//! Test support: a real ZooKeeper 3.8 (`server.rs`: standalone, on a free loopback port in a
//! temp dir, killed by PID on drop), backend configs for it, and a TCP proxy that can cut a
//! client off (a network partition) without touching the server.
#![allow(dead_code)]

pub(crate) mod pki;
mod proxy;

#[allow(unused_imports)]
pub(crate) use proxy::Proxy;

use dcs_zookeeper::{ZooKeeperConfig, ZooKeeperDcs};
use std::time::Duration;

mod server;

#[allow(unused_imports)]
pub(crate) use server::{free_port, ServerTls, ZkServer, TICK};

impl ZkServer {
    /// A backend config for `scope` on this server, under `namespace`, with session timeout
    /// `ttl` and a short request timeout.
    pub(crate) fn config(&self, namespace: &str, scope: &str, ttl: Duration) -> ZooKeeperConfig {
        config_for(&self.address(), namespace, scope, ttl)
    }

    /// A backend for `scope` on this server.
    pub(crate) fn client(&self, namespace: &str, scope: &str, ttl: Duration) -> ZooKeeperDcs {
        ZooKeeperDcs::new(&self.config(namespace, scope, ttl)).expect("valid ZooKeeper config")
    }
}

/// A backend config for `scope` at `address`.
pub(crate) fn config_for(
    address: &str,
    namespace: &str,
    scope: &str,
    ttl: Duration,
) -> ZooKeeperConfig {
    let mut config = ZooKeeperConfig::new(vec![address.to_string()], scope);
    config.namespace = namespace.to_string();
    config.session_timeout = ttl;
    config.request_timeout = Duration::from_secs(3);
    config
}
