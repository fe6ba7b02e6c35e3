//! # dcs-zookeeper
//!
//! The pg-ha [`Dcs`](pg_ha_core::Dcs) backend for ZooKeeper, wire-compatible with Patroni's
//! `zookeeper` backend (Kazoo): znodes live under `/<namespace>/<scope>/`, the leader and
//! member znodes are **ephemeral znodes of the node's session**, and every racing write is
//! conditional on a znode version.
//!
//! - **Session**: one per node, timeout = ttl (as Patroni). It is kept alive by the client in
//!   the background; a call with another ttl restarts it. An expired session is final: the
//!   next call opens a new one, and since the server already deleted the old session's
//!   ephemeral znodes, `renew_leader` returns `Ok(false)` and the runner demotes; the next
//!   `touch_member` re-creates the member znode.
//! - **Acquire**: create `leader` ephemeral; `NodeExists` means lost.
//! - **Renew**: check that `leader` holds our name and is owned by our session.
//! - **Release**: delete `leader` at the version read, if it holds our name.
//! - **Writes**: versions are `mzxid`s (never 0, never reused); `Version(v)` compares the
//!   `mzxid` and sets at the znode version of the same stat; `Absent` is create-only;
//!   deleting `sync` writes `{}`.
//! - **Read**: two multi-reads (list, then read everything and list again) give one
//!   consistent view; the revision is the largest `mzxid`/`pzxid` below the scope.
//! - **Wait for change**: a persistent recursive watch on the scope znode, armed before the
//!   revision is checked, re-armed on a new session, with a re-check after reconnects.
//!
//! The client is `zookeeper-client` with its `tokio` feature (without a runtime feature it
//! panics with "no spawner") and its `tls` feature.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use dcs_zookeeper::{ZooKeeperConfig, ZooKeeperDcs};
//! use pg_ha_core::DcsExt;
//!
//! let config = ZooKeeperConfig::new(vec!["127.0.0.1:2181".into()], "demo");
//! let dcs = ZooKeeperDcs::new(&config)?;
//! let cluster = dcs.load().await?;
//! println!("leader: {:?}", cluster.leader_name());
//! # Ok(())
//! # }
//! ```
//!
//! ## Example: the backend from Patroni's `zookeeper` section
//!
//! ```
//! use dcs_zookeeper::ZooKeeperConfig;
//! use std::time::Duration;
//!
//! let section = serde_json::json!({"hosts": ["10.0.0.1:2181", "10.0.0.2:2181"]});
//! let config = ZooKeeperConfig::from_patroni(&section, "batman", None, Duration::from_secs(10))?;
//! assert_eq!(config.hosts.len(), 2);
//! assert_eq!(config.scope, "batman");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod backend;
mod config;
mod connect;
mod crypto;
mod error;
mod kv;
mod leader;
mod member;
mod paths;
mod patroni;
mod session;
mod snapshot;
mod tree;
mod watch;

pub use backend::ZooKeeperDcs;
pub use config::{AuthData, TlsPaths, ZooKeeperConfig};
pub use config::{DEFAULT_NAMESPACE, DEFAULT_REQUEST_TIMEOUT, DEFAULT_SESSION_TIMEOUT};
pub use error::SetupError;
