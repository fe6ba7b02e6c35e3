//! # pg-ha-agent
//!
//! The pg-ha node as a library, so that the binary only wires configuration to backends and
//! embedders can run a node in-process.
//!
//! - [`config`]: the local configuration (Patroni's YAML plus `PATRONI_*` variables), typed
//!   and validated.
//! - [`rest`]: Patroni's REST API (health checks, status, switchover, config, ...) over a
//!   [`rest::NodeView`] and a [`rest::Control`].
//! - [`postgres`]: the `pg-ha-postgres` crate, re-exported: control of the local PostgreSQL
//!   installation ([`postgres::LocalPostgres`], an implementation of
//!   [`pg_ha_core::Postgres`]) and the write fence guard (`pg-ha-fence`).
//! - [`crypto`]: the rustls provider every binary installs first.
//! - [`node`]: one node in-process ([`node::NodeBuilder`]), also what the binary runs; the
//!   tokio loop around the runner's step, talking to other agents and `pg-ha-ctl` (the
//!   patronictl-like client) are internal modules.
//!
//! ## Public API
//!
//! The items in these docs are the API, kept under semver: [`node`] (`NodeBuilder`,
//! `Node`, `NodeRole`, `StartError`), [`config`], [`validate_config`], [`dcs_backend`],
//! [`rest`], [`logging`], [`crypto`], [`sd_notify`] and the re-exported [`postgres`]. The
//! modules hidden from the docs (`agent`, `ctl`, `http`, `isoformat`, `peers`, `watchdog`)
//! are public only for the binaries and the tests: no semver promise. Error enums are
//! `#[non_exhaustive]`.
//!
//! ## Example: a node's configuration from Patroni's YAML
//!
//! ```
//! let yaml = "
//! scope: batman
//! name: node1
//! etcd3: {hosts: 10.0.0.1:2379}
//! restapi: {listen: 0.0.0.0:8008, connect_address: 10.0.0.1:8008}
//! postgresql:
//!   data_dir: /var/lib/postgresql/15/main
//!   listen: 0.0.0.0:5432
//!   connect_address: 10.0.0.1:5432
//!   authentication:
//!     superuser: {username: postgres, password: secret}
//!     replication: {username: replicator, password: secret}
//! ";
//! let loaded = pg_ha_agent::config::load_str("example", yaml, &[])?;
//! assert_eq!(loaded.config.node_config().conn_url, "postgres://10.0.0.1:5432/postgres");
//! // pg_ha_agent::node::NodeBuilder::new(loaded).start().await would run it.
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[doc(hidden)]
pub mod agent;
pub mod config;
pub mod crypto;
#[doc(hidden)]
#[cfg(feature = "ctl")]
pub mod ctl;
pub mod dcs_backend;
#[doc(hidden)]
pub mod http;
#[doc(hidden)]
pub mod isoformat;
pub mod logging;
pub mod node;
#[doc(hidden)]
pub mod peers;
pub use pg_ha_postgres as postgres;
pub mod rest;
pub mod sd_notify;
pub mod validate_config;
#[doc(hidden)]
pub mod watchdog;
