//! Test support: the Consul the tests run against — the in-repo emulator by default, or a
//! real agent when `CONSUL_HTTP_ADDR` is set (token from `CONSUL_HTTP_TOKEN`).
#![allow(dead_code)]

#[path = "../emulator/mod.rs"]
pub(crate) mod emulator;
pub(crate) mod raw;

use dcs_consul::{ConsulConfig, ConsulDcs};
use emulator::{Emulator, Settings};
use std::time::Duration;

/// Where the tests' Consul is.
pub(crate) enum Target {
    /// The in-repo emulator, started for the test.
    Emulated(Emulator),
    /// A real agent at this URL.
    Real(String),
}

impl Target {
    /// The real agent from `CONSUL_HTTP_ADDR`, else an emulator whose `SessionTTLMin` allows
    /// short test ttls.
    pub(crate) async fn start() -> Target {
        Target::start_invalidating_at(2).await
    }

    /// Like [`Target::start`], with an emulator that invalidates sessions `multiplier`
    /// TTLs after their last renewal (1: the earliest Consul documents).
    pub(crate) async fn start_invalidating_at(multiplier: u32) -> Target {
        match real_agent() {
            Some(url) => {
                println!("running against the real Consul agent at {url}");
                Target::Real(url)
            }
            None => {
                let settings = Settings {
                    session_ttl_min: Duration::from_millis(500),
                    ttl_multiplier: multiplier,
                    ..Settings::default()
                };
                Target::Emulated(Emulator::start(settings).await)
            }
        }
    }

    /// The agent URL.
    pub(crate) fn url(&self) -> String {
        match self {
            Target::Emulated(e) => e.url(),
            Target::Real(url) => url.clone(),
        }
    }

    /// The ttl the tests use: 2 s on the emulator; 20 s on a real agent, whose default
    /// `SessionTTLMin` is 10 s (= ttl/2).
    pub(crate) fn ttl(&self) -> Duration {
        match self {
            Target::Emulated(_) => Duration::from_secs(2),
            Target::Real(_) => Duration::from_secs(20),
        }
    }

    /// A backend config for `scope` under `namespace`.
    pub(crate) fn config(&self, namespace: &str, scope: &str) -> ConsulConfig {
        let mut config = ConsulConfig::new(vec![self.url()], scope);
        config.namespace = namespace.to_string();
        config.request_timeout = Duration::from_secs(3);
        config.watch_wait = Duration::from_secs(2);
        config.token = std::env::var("CONSUL_HTTP_TOKEN")
            .ok()
            .filter(|t| !t.is_empty());
        config
    }

    /// A backend for `scope` under `namespace`.
    pub(crate) fn client(&self, namespace: &str, scope: &str) -> ConsulDcs {
        ConsulDcs::new(&self.config(namespace, scope)).expect("valid Consul config")
    }

    /// The emulator, or `None` (with a note) on a real agent.
    pub(crate) fn emulator(&mut self, test: &str) -> Option<&mut Emulator> {
        match self {
            Target::Emulated(e) => Some(e),
            Target::Real(_) => {
                println!("{test}: skipped against a real agent (needs control of the agent)");
                None
            }
        }
    }
}

/// `CONSUL_HTTP_ADDR` as a URL (`host:port` gets `http://`).
fn real_agent() -> Option<String> {
    let addr = std::env::var("CONSUL_HTTP_ADDR")
        .ok()
        .filter(|a| !a.is_empty())?;
    Some(if addr.contains("://") {
        addr
    } else {
        format!("http://{addr}")
    })
}

/// An `http://127.0.0.1:<port>` URL where nothing listens.
pub(crate) fn free_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    format!("http://127.0.0.1:{port}")
}
