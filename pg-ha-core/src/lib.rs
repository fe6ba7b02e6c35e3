//! # pg-ha-core
//!
//! The core of pg-ha, a high-availability manager for PostgreSQL that speaks Patroni's
//! protocol. Every node runs the same cycle:
//!
//! ```text
//!  DCS  ---> observe: one consistent read of the cluster + local PG status
//!  PG   --->          + facts the runner remembers (last lease renewal, ...)
//!  clock -->                   |
//!                              v
//!            decide(&Observation, &HaConfig) -> Decision    (pure: no IO, no clock)
//!                              |   (actions in order, a Reason, when to wake)
//!                              v
//!            execute: each Action against Dcs / Postgres; stop at the first failure
//! ```
//!
//! This crate holds the cluster model ([`model`]), the [`Dcs`] and [`Postgres`] traits, the
//! pure [`decide()`] function, the runner's [`step`](Runner::step) that the agent and the
//! simulator both drive, the in-memory [`MemoryDcs`], the Dcs conformance suite (feature
//! `testing`) and the deterministic simulator (feature `sim`).

pub mod config;
pub mod dcs;
pub mod decide;
pub mod discovery;
pub mod lsn;
pub mod member_report;
pub mod model;
pub mod peers;
pub mod postgres;
pub mod runner;
#[cfg(feature = "sim")]
pub mod sim;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;
pub mod watchdog;

pub use config::{ConfigError, DynamicConfig, HaConfig, NodeConfig, SyncMode};
pub use dcs::{Dcs, DcsError, DcsExt, MemoryDcs, MemoryStore};
pub use decide::{decide, Action, Decision, Observation, Reason};
pub use lsn::Lsn;
pub use model::Cluster;
pub use peers::{PeerReport, PeerStatus, Peers};
pub use postgres::{PgError, PgStatus, Postgres};
pub use runner::{ActionError, ActionOutcome, Runner, StepReport};
pub use time::{Clock, Mono};
pub use watchdog::Watchdog;
