//! # dcs-consul
//!
//! The pg-ha [`Dcs`](pg_ha_core::Dcs) backend for Consul, wire-compatible with Patroni's
//! `consul` backend: keys live under `<namespace>/<scope>/` (**no leading slash**, e.g.
//! `service/batman/leader`), the leader and member keys are acquired with the node's session
//! (`Behavior=delete`, so they vanish with it), and every racing write is a `cas`.
//!
//! - **Session**: `PUT /v1/session/create` with `Name=<scope>-<name>`, `TTL` = the write
//!   fence's budget, ttl minus the safety margin (Patroni uses ttl/2; Consul invalidates
//!   between 1x and 2x TTL, so ttl/2 could drop the leader key before the old primary's fence
//!   fires), `Behavior=delete`, `LockDelay=0.001s`, `Checks=[]` (configurable); renewed by
//!   `touch_member` when due and always by `acquire_leader` and `renew_leader`; a 404 on
//!   renewal means it expired: the leadership is lost, and a new session is created.
//! - **Acquire**: session renewal, then `PUT leader?acquire=<session>`; **renew**: session
//!   renewal plus a check of the key; **release**: `DELETE leader?cas=<ModifyIndex>`.
//! - **Writes**: `?cas=<ModifyIndex>` (`cas=0` for create-only), then a consistent read of
//!   the new `ModifyIndex` (Consul answers only `true`).
//! - **Read**: `GET <prefix>?recurse` with the configured consistency; the revision is the
//!   `X-Consul-Index`. **Wait for change**: blocking queries `?index=<after>&wait=`.
//! - **Agents**: several base URLs, tried in order with failover; ACL token; TLS with a CA
//!   bundle and a client certificate.
//!
//! ## rs-consul and what is done by hand
//! rs-consul (the client the design names) serves the KV writes (plain, `cas`, `acquire`),
//! deletes (plain, `cas`, recursive) and single-key reads, on an HTTP client built here (TLS,
//! connection pool) and shared with it. It has no public session API, so session
//! create / renew / destroy are plain requests on the same client; its `read_key` drops the
//! `X-Consul-Index` of a 404 (an empty cluster), which blocking queries need, so the prefix
//! read and the blocking query are plain requests too; its `delete_key` takes a 32-bit `cas`
//! index, so larger indexes go as a plain request.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use dcs_consul::{ConsulConfig, ConsulDcs};
//! use pg_ha_core::DcsExt;
//!
//! let config = ConsulConfig::new(vec!["http://127.0.0.1:8500".into()], "demo");
//! let dcs = ConsulDcs::new(&config)?;
//! let cluster = dcs.load().await?;
//! println!("leader: {:?}", cluster.leader_name());
//! # Ok(())
//! # }
//! ```
//!
//! ## Example: the backend from Patroni's `consul` section
//!
//! ```
//! use dcs_consul::ConsulConfig;
//! use std::time::Duration;
//!
//! let section = serde_json::json!({"host": "127.0.0.1:8500", "token": "s3cret"});
//! let config = ConsulConfig::from_patroni(&section, "batman", None, Duration::from_secs(10))?;
//! assert_eq!(config.scope, "batman");
//! assert_eq!(config.token.as_deref(), Some("s3cret"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod agents;
mod backend;
mod config;
mod error;
mod kv;
mod leader;
mod member;
mod paths;
mod patroni;
mod session;
mod snapshot;
mod watch;
mod writes;

pub use backend::ConsulDcs;
pub use config::{Consistency, ConsulConfig, TlsPaths};
pub use config::{DEFAULT_NAMESPACE, DEFAULT_REQUEST_TIMEOUT, DEFAULT_WATCH_WAIT};
pub use error::SetupError;
