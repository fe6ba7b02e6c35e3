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
//! - [`agent`]: the tokio loop around the runner's step; [`node`]: wiring of one node from its
//!   configuration; [`peers`] and [`http`]: talking to other agents.
//! - [`ctl`]: `pg-ha-ctl`, the patronictl-like command-line client.

pub mod agent;
pub mod config;
pub mod crypto;
#[cfg(feature = "ctl")]
pub mod ctl;
pub mod dcs_backend;
pub mod http;
pub mod isoformat;
pub mod logging;
pub mod node;
pub mod peers;
pub use pg_ha_postgres as postgres;
pub mod rest;
pub mod validate_config;
pub mod watchdog;
