//! `Node`: one running pg-ha node wired from its configuration: the DCS backend, the local
//! PostgreSQL, peers over HTTP, the runner and its loop, the REST API and signal handling.
//! The binary calls [`start`] and waits; embedders can do the same.

mod control;
mod live_wal;
mod pg_settings;
mod signals;

pub use control::AgentControl;
pub use pg_settings::pg_settings;

use crate::agent::{self, AgentHandle, AgentParts, Command};
use crate::config::{self, LoadedConfig};
use crate::peers::HttpPeers;
use crate::postgres::LocalPostgres;
use crate::rest::{RestServer, RestSettings, ViewSource};
use crate::watchdog::DeviceWatchdog;
use pg_ha_core::time::{Clock, SystemClock};
use pg_ha_core::{Dcs, Peers, Postgres, Runner};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// A running node.
pub struct Node {
    /// Handles to the agent loop.
    pub handle: AgentHandle,
    /// The REST API server.
    pub rest: RestServer,
    /// The loop's task: it ends after a shutdown.
    pub task: tokio::task::JoinHandle<()>,
}

/// Why a node could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A configuration value is wrong.
    #[error("{0}")]
    Config(String),
    /// The DCS backend could not be set up.
    #[error("DCS: {0}")]
    Dcs(String),
    /// The local PostgreSQL setup is wrong.
    #[error("PostgreSQL: {0}")]
    Postgres(String),
    /// The REST API could not start.
    #[error("REST API: {0}")]
    Rest(String),
}

/// Starts a node from a loaded configuration (`path` is re-read on reload).
pub async fn start(loaded: LoadedConfig, path: Option<PathBuf>) -> Result<Node, StartError> {
    let cfg = loaded.config;
    let dynamic = cfg.bootstrap_dynamic();
    let clock = SystemClock::new();
    let clock_arc: Arc<dyn Clock> = Arc::new(clock);
    let dcs = crate::dcs_backend::connect(&cfg, dynamic.retry_timeout).map_err(StartError::Dcs)?;
    let settings = pg_settings(&cfg, &dynamic).map_err(|e| StartError::Config(e.to_string()))?;
    let pg = Arc::new(
        LocalPostgres::new(settings, Arc::clone(&clock_arc))
            .await
            .map_err(|e| StartError::Postgres(e.to_string()))?,
    );
    let auth = cfg
        .restapi
        .authentication
        .as_ref()
        .map(|a| format!("{}:{}", a.username, a.password));
    let client = crate::http::member_client(&cfg).map_err(|e| StartError::Config(e.to_string()))?;
    let peers = HttpPeers::new(Duration::from_secs(2), auth).with_client(client);
    let pg_events = forward_exits(&pg);
    let runner = Runner::new(
        cfg.node_config(),
        dynamic,
        Arc::clone(&dcs),
        Arc::clone(&pg) as Arc<dyn Postgres>,
        Arc::new(peers.clone()) as Arc<dyn Peers>,
        Arc::clone(&clock_arc),
    );
    let runner = match DeviceWatchdog::new(&cfg.watchdog) {
        Some(watchdog) => runner.with_watchdog(Arc::new(watchdog)),
        None => runner,
    };
    let reloaded_pg = Arc::clone(&pg);
    let reload: agent::Reloader = Box::new(move || reload_node(path.as_deref(), &reloaded_pg));
    let parts = AgentParts {
        runner,
        dcs: Arc::clone(&dcs) as Arc<dyn Dcs>,
        clock,
        pg_events: Some(pg_events),
        reload: Some(reload),
        pg_details: Some(pg.subscribe_details()),
    };
    let (handle, task) = agent::run(parts);
    let control = Arc::new(AgentControl::new(dcs, peers, &handle));
    let rest = RestServer::start(
        RestSettings::from_config(&cfg.restapi),
        ViewSource::from_watch(handle.state.clone()).with_live_wal(Arc::clone(&pg) as _),
        control,
        clock_arc,
    )
    .await
    .map_err(|e| StartError::Rest(e.to_string()))?;
    signals::install(handle.commands.clone());
    Ok(Node { handle, rest, task })
}

/// Turns postmaster exits into a counter the loop wakes on.
fn forward_exits(pg: &Arc<LocalPostgres>) -> watch::Receiver<u64> {
    let mut exits = pg.subscribe_exits();
    let (tx, rx) = watch::channel(0u64);
    tokio::spawn(async move {
        while exits.changed().await.is_ok() {
            tx.send_modify(|n| *n += 1);
        }
    });
    rx
}

/// Re-reads the configuration file: the node's settings for the runner, and its own
/// `postgresql` parameters, `pg_hba` and `pg_ident` for the local PostgreSQL (applied at the
/// next cycle, with the dynamic configuration).
fn reload_node(
    path: Option<&std::path::Path>,
    pg: &LocalPostgres,
) -> Option<pg_ha_core::NodeConfig> {
    let loaded = config::load(path, &config::process_env()).and_then(|loaded| {
        let local = pg_settings::local_config_of(&loaded.config)?;
        Ok((loaded, local))
    });
    match loaded {
        Ok((loaded, local)) => {
            loaded.log_warnings();
            pg.set_local_config(local);
            Some(loaded.config.node_config())
        }
        Err(e) => {
            tracing::error!("reload failed, keeping the running configuration: {e}");
            None
        }
    }
}

impl Node {
    /// Asks the node to shut down (stop PostgreSQL, release the leader key) and waits.
    pub async fn shutdown(self) {
        let _ = self.handle.commands.send(Command::Shutdown);
        let _ = self.task.await;
        self.rest.stop().await;
    }
}
