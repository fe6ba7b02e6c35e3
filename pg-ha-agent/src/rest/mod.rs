//! Patroni's REST API (spec section 3), served with hyper over plain HTTP or rustls TLS.
//!
//! The server knows nothing of the runner: read endpoints use a [`NodeView`] that the agent
//! loop publishes (through a [`ViewSource`]), and mutations go through the [`Control`]
//! trait. Health checks, `/patroni`, `/cluster`, `/history`, `/config`, `/metrics`,
//! switchover/failover, restart, reload, reinitialize, `PATCH`/`PUT /config`, and pg-ha's
//! own `GET /why` answer with Patroni's status codes and texts.
//!
//! ```no_run
//! # async fn run(view: pg_ha_agent::rest::NodeView,
//! #              control: std::sync::Arc<dyn pg_ha_agent::rest::Control>,
//! #              cfg: &pg_ha_agent::config::RestApiConfig) -> Result<(), pg_ha_agent::rest::RestError> {
//! use pg_ha_agent::rest::{RestServer, RestSettings, ViewSource};
//! let clock = std::sync::Arc::new(pg_ha_core::time::SystemClock::new());
//! let server = RestServer::start(
//!     RestSettings::from_config(cfg),
//!     ViewSource::fixed(view),
//!     control,
//!     clock,
//! )
//! .await?;
//! println!("listening on {}", server.base_url());
//! # Ok(()) }
//! ```

mod allowlist;
mod auth;
mod body;
mod cluster_json;
mod commands;
mod config_write;
mod control;
mod ctx;
mod dcs_reads;
mod error;
mod failover_checks;
mod health;
mod live_wal;
mod metrics;
mod node_status;
mod reads;
mod reply;
mod request;
mod restart;
mod restart_filter;
mod router;
mod schedule;
mod server;
mod settings;
mod status;
mod switchover;
mod tls;
mod units;
mod view;
mod why;

pub use control::{Control, ScheduledRestart};
pub use error::RestError;
pub use live_wal::{LiveWal, WalNow};
pub use server::{RestReloader, RestServer};
pub use settings::{RestSettings, TlsSettings};
pub use view::{NodeView, ReplicationRow, ViewSource};

pub(crate) use ctx::Ctx;
pub(crate) use reply::Reply;
pub(crate) use request::Req;
#[cfg(test)]
pub(crate) use status::status_json as status_json_for_tests;
pub(crate) use switchover::SwitchAction;
