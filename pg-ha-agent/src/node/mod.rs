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
use crate::rest::{RestReloader, RestServer, RestSettings, ViewSource};
use crate::watchdog::DeviceWatchdog;
use pg_ha_core::postgres::{PgRole, ProcessState};
use pg_ha_core::time::{Clock, SystemClock};
use pg_ha_core::{Dcs, Peers, Postgres, Runner};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::watch;

/// A running node.
pub struct Node {
    /// Handles to the agent loop.
    pub handle: AgentHandle,
    /// The REST API server, unless the builder left it out.
    pub rest: Option<RestServer>,
    /// The loop's task: it ends after a shutdown.
    pub task: tokio::task::JoinHandle<()>,
    /// The node's DCS client (switchover and pause requests go through it).
    dcs: Arc<dyn Dcs>,
}

/// Why a node could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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

/// Starts a node from a loaded configuration (`path` is re-read on reload), with the DCS
/// backend of its configuration, its local PostgreSQL, the REST API and signal handling:
/// what the binary runs. [`NodeBuilder`] chooses each part.
pub async fn start(loaded: LoadedConfig, path: Option<PathBuf>) -> Result<Node, StartError> {
    NodeBuilder::new(loaded).reload_from(path).start().await
}

/// Builds an in-process node: configuration from a file, a YAML string or typed values;
/// any [`Dcs`] and [`Postgres`] implementation (by default those the configuration names);
/// the REST API and signal handling optional.
pub struct NodeBuilder {
    loaded: LoadedConfig,
    path: Option<PathBuf>,
    dcs: Option<Arc<dyn Dcs>>,
    postgres: Option<Arc<dyn Postgres>>,
    rest: bool,
    signals: bool,
}

impl NodeBuilder {
    /// A node of `loaded` (typed values: build an [`config::AgentConfig`] and wrap it).
    pub fn new(loaded: LoadedConfig) -> NodeBuilder {
        NodeBuilder {
            loaded,
            path: None,
            dcs: None,
            postgres: None,
            rest: true,
            signals: true,
        }
    }

    /// A node of the Patroni YAML file at `path` (with `PATRONI_*` overrides from the
    /// environment); a reload re-reads it.
    pub fn from_file(path: &std::path::Path) -> Result<NodeBuilder, StartError> {
        let loaded = config::load(Some(path), &config::process_env())
            .map_err(|e| StartError::Config(e.to_string()))?;
        Ok(NodeBuilder::new(loaded).reload_from(Some(path.to_path_buf())))
    }

    /// A node of a Patroni YAML text.
    pub fn from_yaml(yaml: &str) -> Result<NodeBuilder, StartError> {
        let loaded =
            config::load_str("yaml", yaml, &[]).map_err(|e| StartError::Config(e.to_string()))?;
        Ok(NodeBuilder::new(loaded))
    }

    /// The file a reload (SIGHUP, `POST /reload`) re-reads.
    pub fn reload_from(mut self, path: Option<PathBuf>) -> NodeBuilder {
        self.path = path;
        self
    }

    /// Uses `dcs` instead of the backend the configuration names.
    pub fn dcs(mut self, dcs: Arc<dyn Dcs>) -> NodeBuilder {
        self.dcs = Some(dcs);
        self
    }

    /// Uses `postgres` instead of a local PostgreSQL from the configuration's `postgresql`
    /// section (without the local server's extras: postmaster-exit wake-ups, live WAL
    /// positions in the REST API, local settings on reload).
    pub fn postgres(mut self, postgres: Arc<dyn Postgres>) -> NodeBuilder {
        self.postgres = Some(postgres);
        self
    }

    /// No REST API (nothing listens; peers cannot ask this node).
    pub fn without_rest(mut self) -> NodeBuilder {
        self.rest = false;
        self
    }

    /// No SIGTERM / SIGINT / SIGHUP handlers (the embedding program keeps its own).
    pub fn without_signals(mut self) -> NodeBuilder {
        self.signals = false;
        self
    }

    /// Starts the node on the current tokio runtime.
    pub async fn start(self) -> Result<Node, StartError> {
        let cfg = &self.loaded.config;
        let dynamic = cfg.bootstrap_dynamic();
        let clock = SystemClock::new();
        let clock_arc: Arc<dyn Clock> = Arc::new(clock);
        let dcs = match self.dcs {
            Some(dcs) => dcs,
            None => {
                crate::dcs_backend::connect(cfg, dynamic.retry_timeout).map_err(StartError::Dcs)?
            }
        };
        let local = match self.postgres {
            Some(_) => None,
            None => {
                let settings =
                    pg_settings(cfg, &dynamic).map_err(|e| StartError::Config(e.to_string()))?;
                Some(Arc::new(
                    LocalPostgres::new(settings, Arc::clone(&clock_arc))
                        .await
                        .map_err(|e| StartError::Postgres(e.to_string()))?,
                ))
            }
        };
        let pg: Arc<dyn Postgres> = match (&self.postgres, &local) {
            (Some(pg), _) => Arc::clone(pg),
            (None, Some(local)) => Arc::clone(local) as Arc<dyn Postgres>,
            (None, None) => unreachable!("a local PostgreSQL is made when none is given"),
        };
        let auth = cfg
            .restapi
            .authentication
            .as_ref()
            .map(|a| format!("{}:{}", a.username, a.password));
        let client =
            crate::http::member_client(cfg).map_err(|e| StartError::Config(e.to_string()))?;
        let peers = HttpPeers::new(Duration::from_secs(2), auth).with_client(client);
        let runner = Runner::new(
            cfg.node_config(),
            dynamic,
            Arc::clone(&dcs),
            pg,
            Arc::new(peers.clone()) as Arc<dyn Peers>,
            Arc::clone(&clock_arc),
        );
        let runner = match DeviceWatchdog::new(&cfg.watchdog) {
            Some(watchdog) => runner.with_watchdog(Arc::new(watchdog)),
            None => runner,
        };
        // The REST API starts after the loop; a reload reaches it through this slot.
        let rest_slot: Arc<OnceLock<RestReloader>> = Arc::default();
        let reload: Option<agent::Reloader> = local.as_ref().map(|local| {
            let local = Arc::clone(local);
            let path = self.path.clone();
            let rest = Arc::clone(&rest_slot);
            Box::new(move || reload_node(path.as_deref(), &local, rest.get())) as agent::Reloader
        });
        let parts = AgentParts {
            runner,
            dcs: Arc::clone(&dcs),
            clock,
            pg_events: local.as_ref().map(forward_exits),
            reload,
            pg_details: local.as_ref().map(|l| l.subscribe_details()),
        };
        let (handle, task) = agent::run(parts);
        let rest = if self.rest {
            let control = Arc::new(AgentControl::new(Arc::clone(&dcs), peers, &handle));
            let mut view = ViewSource::from_watch(handle.state.clone());
            if let Some(local) = &local {
                view = view.with_live_wal(Arc::clone(local) as _);
            }
            let settings = RestSettings::from_config(&cfg.restapi);
            let server = RestServer::start(settings, view, control, clock_arc)
                .await
                .map_err(|e| StartError::Rest(e.to_string()))?;
            let _ = rest_slot.set(server.reloader());
            Some(server)
        } else {
            None
        };
        if self.signals {
            signals::install(handle.commands.clone());
        }
        Ok(Node {
            handle,
            rest,
            task,
            dcs,
        })
    }
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

/// Re-reads the configuration file, as Patroni's reload: the node's settings for the runner
/// (name, tags, addresses), its own `postgresql` parameters, `pg_hba` and `pg_ident` for the
/// local PostgreSQL (applied at the next cycle, with the dynamic configuration), the log
/// level, and the REST API's authentication, allowlist, TLS certificates and headers.
fn reload_node(
    path: Option<&std::path::Path>,
    pg: &LocalPostgres,
    rest: Option<&RestReloader>,
) -> Option<pg_ha_core::NodeConfig> {
    let loaded = config::load(path, &config::process_env()).and_then(|loaded| {
        let local = pg_settings::local_config_of(&loaded.config)?;
        Ok((loaded, local))
    });
    match loaded {
        Ok((loaded, local)) => {
            loaded.log_warnings();
            pg.set_local_config(local);
            crate::logging::reload(&loaded.config.log);
            if let Some(rest) = rest.cloned() {
                let settings = RestSettings::from_config(&loaded.config.restapi);
                tokio::spawn(async move {
                    if let Err(e) = rest.reload(settings).await {
                        tracing::error!("REST API reload failed, keeping its settings: {e}");
                    }
                });
            }
            Some(loaded.config.node_config())
        }
        Err(e) => {
            tracing::error!("reload failed, keeping the running configuration: {e}");
            None
        }
    }
}

impl Node {
    /// This node's role now, as its last cycle saw it.
    pub fn role(&self) -> NodeRole {
        NodeRole::of(&self.handle.state.borrow())
    }

    /// A watch of this node's role: [`RoleWatch::changed`] returns each new role.
    pub fn roles(&self) -> RoleWatch {
        RoleWatch {
            state: self.handle.state.clone(),
            last: self.role(),
        }
    }

    /// Asks for a switchover from the current leader, to `candidate` or any healthy
    /// replica (as `POST /switchover` without a schedule).
    pub async fn switchover(&self, candidate: Option<&str>) -> Result<(), pg_ha_core::DcsError> {
        use pg_ha_core::DcsExt;
        let cluster = self.dcs.load().await?;
        let request = pg_ha_core::model::Failover {
            leader: cluster.leader_name().map(str::to_string),
            member: candidate.map(str::to_string),
            scheduled_at: None,
        };
        let text = serde_json::to_string(&request)
            .map_err(|e| pg_ha_core::DcsError::Rejected(e.to_string()))?;
        let key = pg_ha_core::model::Key::Failover;
        self.dcs
            .write(key, &text, pg_ha_core::model::Condition::Any)
            .await?;
        self.wake();
        Ok(())
    }

    /// Pauses (or resumes) automatic failover for the whole cluster (the `pause` key of the
    /// dynamic configuration, as `pg-ha-ctl pause`).
    pub async fn set_pause(&self, paused: bool) -> Result<(), pg_ha_core::DcsError> {
        use pg_ha_core::model::{Condition, Key};
        use pg_ha_core::DcsExt;
        let cluster = self.dcs.load().await?;
        let (mut raw, condition) = match &cluster.config {
            Some(entry) => (entry.raw.clone(), Condition::Version(entry.version)),
            None => (serde_json::json!({}), Condition::Absent),
        };
        if let Some(map) = raw.as_object_mut() {
            map.insert("pause".into(), serde_json::Value::Bool(paused));
        }
        let written = self
            .dcs
            .write(Key::Config, &raw.to_string(), condition)
            .await?;
        if written.is_none() {
            return Err(pg_ha_core::DcsError::Rejected(
                "the configuration changed meanwhile; try again".into(),
            ));
        }
        self.wake();
        Ok(())
    }

    /// Restarts PostgreSQL in its current role and waits for the outcome.
    pub async fn restart_postgres(&self) -> Result<(), String> {
        let (done, outcome) = tokio::sync::oneshot::channel();
        self.handle
            .commands
            .send(Command::Restart { done: Some(done) })
            .map_err(|_| "the node has stopped".to_string())?;
        outcome
            .await
            .map_err(|_| "the node stopped before restarting".to_string())?
    }

    fn wake(&self) {
        let _ = self.handle.commands.send(Command::Wake);
    }

    /// Asks the node to shut down (stop PostgreSQL, release the leader key) and waits.
    pub async fn shutdown(self) {
        let _ = self.handle.commands.send(Command::Shutdown);
        let _ = self.task.await;
        if let Some(rest) = self.rest {
            rest.stop().await;
        }
    }
}

/// A node's role, as an embedding program needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeRole {
    /// It holds the leader key and its server runs as the primary.
    Primary,
    /// Its server runs as a standby.
    Replica,
    /// Neither (starting, stopped, without a server, promoting or demoting).
    Other,
}

impl NodeRole {
    fn of(view: &crate::rest::NodeView) -> NodeRole {
        let Some(pg) = view
            .pg
            .as_ref()
            .filter(|pg| pg.process == ProcessState::Running)
        else {
            return NodeRole::Other;
        };
        let leads = view
            .cluster
            .as_ref()
            .is_some_and(|c| c.is_leader(&view.node.name));
        match pg.role {
            Some(PgRole::Primary) if leads => NodeRole::Primary,
            Some(PgRole::Standby) => NodeRole::Replica,
            _ => NodeRole::Other,
        }
    }
}

/// Follows a node's role.
pub struct RoleWatch {
    state: watch::Receiver<Arc<crate::rest::NodeView>>,
    last: NodeRole,
}

impl RoleWatch {
    /// Waits for the role to change and returns the new one; `None` once the node stopped.
    pub async fn changed(&mut self) -> Option<NodeRole> {
        loop {
            self.state.changed().await.ok()?;
            let role = NodeRole::of(&self.state.borrow_and_update());
            if role != self.last {
                self.last = role;
                return Some(role);
            }
        }
    }
}
