//! # pg-ha-agent
//!
//! The pg-ha node as a library, so that the binary only wires configuration to backends and
//! embedders can run a node in-process.
//!
//! - [`config`]: the local configuration (Patroni's YAML plus `PATRONI_*` variables), typed
//!   and validated.
//! - [`rest`]: Patroni's REST API (health checks, status, switchover, config, ...) over a
//!   [`rest::NodeView`] and a [`rest::Control`].

pub mod config;
pub mod rest;
