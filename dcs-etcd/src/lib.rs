//! # dcs-etcd
//!
//! The pg-ha [`Dcs`](pg_ha_core::Dcs) backend for etcd v3, wire-compatible with Patroni's
//! `etcd3` backend: keys live under `/<namespace>/<scope>/`, the leader and member keys are
//! attached to one lease per node, and every racing write is a transaction on
//! `create_revision` / `mod_revision`.
//!
//! - **Acquire**: txn `create_revision(leader) == 0` → put with the lease.
//! - **Renew**: keep the lease alive, then check `value == name && lease == ours`; a key that
//!   holds our name on an old lease is moved to the current one; an expired lease is granted
//!   anew.
//! - **Release**: txn `value == name` → delete.
//! - **Read**: one linearizable range over the prefix; versions are `mod_revision`, sessions
//!   the lease id in decimal, the snapshot revision the response header's.
//! - **Wait for change**: a watch on the prefix from `after + 1`, re-created on reconnect, so
//!   nothing is missed; a compacted history ends the wait at once.
//! - **Endpoints**: tried in order with failover, each call bounded by `request_timeout`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use dcs_etcd::{EtcdConfig, EtcdDcs};
//! use pg_ha_core::DcsExt;
//!
//! let config = EtcdConfig::new(vec!["http://127.0.0.1:2379".into()], "demo");
//! let dcs = EtcdDcs::new(&config)?;
//! let cluster = dcs.load().await?;
//! println!("leader: {:?}", cluster.leader_name());
//! # Ok(())
//! # }
//! ```
//!
//! ## Example: the backend from Patroni's `etcd3` section
//!
//! ```
//! use dcs_etcd::{EtcdConfig, EtcdDcs};
//! use std::time::Duration;
//!
//! let section = serde_json::json!({"hosts": "10.0.0.1:2379,10.0.0.2:2379"});
//! let config = EtcdConfig::from_patroni(&section, "batman", None, Duration::from_secs(10))?;
//! assert_eq!(config.endpoints, ["http://10.0.0.1:2379", "http://10.0.0.2:2379"]);
//! assert_eq!(config.namespace, "/service");
//! let dcs = EtcdDcs::new(&config)?; // connects on first use
//! # drop(dcs);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod backend;
mod config;
mod endpoints;
mod error;
mod kv;
mod leader;
mod lease;
mod member;
mod options;
mod patroni;
mod recent;
mod snapshot;
mod watch;

pub use backend::EtcdDcs;
pub use config::{EtcdConfig, TlsPaths, DEFAULT_NAMESPACE, DEFAULT_REQUEST_TIMEOUT};
pub use error::SetupError;
