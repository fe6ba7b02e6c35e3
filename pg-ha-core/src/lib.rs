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
//!
//! ## Example: find a cluster's primary
//!
//! ```
//! use pg_ha_core::discovery::Discovery;
//! use pg_ha_core::time::SystemClock;
//! use pg_ha_core::{Dcs, MemoryStore};
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let store = MemoryStore::new(Arc::new(SystemClock::new()));
//! // What an agent writes: its member key, then the leader key.
//! let agent = store.client("batman", "node1");
//! let member = r#"{"conn_url":"postgres://10.0.0.1:5432/postgres","state":"running","role":"primary"}"#;
//! agent.touch_member("node1", member, Duration::from_secs(30)).await?;
//! agent.acquire_leader("node1", Duration::from_secs(30)).await?;
//!
//! let discovery = Discovery::new(store.client("batman", "my-app"));
//! let primary = discovery.topology().await?.primary.expect("a primary");
//! assert_eq!(primary.host_port(), Some(("10.0.0.1".to_string(), 5432)));
//! # Ok::<(), pg_ha_core::DcsError>(())
//! # }).unwrap();
//! ```

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
