//! `PrimaryClient`: a tokio-postgres client that talks to the cluster's current primary and
//! reconnects after a failover, as a smart driver does. It follows the primary with
//! [`pg_ha_core::discovery`] (the DCS watch, milliseconds after the leader key changes).
//!
//! ```no_run
//! # async fn demo(dcs: pg_ha_core::MemoryDcs) -> Result<(), pg_ha_postgres::primary_client::PrimaryError> {
//! use pg_ha_postgres::primary_client::PrimaryClient;
//! use std::sync::Arc;
//!
//! let mut config = tokio_postgres::Config::new();
//! config.user("app").password("secret").dbname("app");
//! let primary = Arc::new(PrimaryClient::new(dcs, config).await?);
//! let follower = Arc::clone(&primary);
//! tokio::spawn(async move { while follower.follow().await.is_ok() {} });
//! let client = primary.client().await?;
//! client.execute("INSERT INTO t VALUES (1)", &[]).await?;
//! # Ok(())
//! # }
//! ```
//!
//! Connections are made without TLS.

use pg_ha_core::discovery::{Change, Discovery, Topology};
use pg_ha_core::{Dcs, DcsError};
use std::sync::Arc;
use tokio::sync::Mutex;
use tokio_postgres::{Client, Config, NoTls};

/// Why no client to the primary could be had.
#[derive(Debug, thiserror::Error)]
pub enum PrimaryError {
    /// The DCS could not be read; retry, the cluster may be failing over.
    #[error("DCS: {0}")]
    Dcs(#[from] DcsError),
    /// No node holds the leader key now (a failover in progress); retry shortly.
    #[error("the cluster has no primary now (a failover may be in progress)")]
    NoPrimary,
    /// The primary's member key has no usable `conn_url`.
    #[error("the primary {0} publishes no usable conn_url")]
    NoAddress(String),
    /// Connecting or querying failed.
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
}

/// A client of the cluster's current primary.
pub struct PrimaryClient<D> {
    discovery: Discovery<D>,
    config: Config,
    state: Mutex<State>,
}

struct State {
    topology: Topology,
    /// The primary the client is connected to, and the connection.
    connected: Option<(String, Arc<Client>)>,
}

impl<D: Dcs> PrimaryClient<D> {
    /// A client for the cluster behind `dcs`, connecting with `config` (user, password,
    /// database, timeouts); the host and port come from the primary's `conn_url`.
    pub async fn new(dcs: D, config: Config) -> Result<PrimaryClient<D>, PrimaryError> {
        let discovery = Discovery::new(dcs);
        let topology = discovery.topology().await?;
        Ok(PrimaryClient {
            discovery,
            config,
            state: Mutex::new(State {
                topology,
                connected: None,
            }),
        })
    }

    /// A client connected to the current primary: the open connection while the primary
    /// is the same, else a new one (after a failover, or when the connection closed).
    pub async fn client(&self) -> Result<Arc<Client>, PrimaryError> {
        let mut state = self.state.lock().await;
        let primary = state.topology.primary.clone();
        if let (Some((name, client)), Some(p)) = (&state.connected, &primary) {
            if *name == p.name && !client.is_closed() {
                return Ok(Arc::clone(client));
            }
        }
        if state.connected.as_ref().is_some_and(|(_, c)| c.is_closed()) {
            // The connection broke: the topology may be newer than the watch has said.
            state.topology = self.discovery.topology().await?;
        }
        let primary = state
            .topology
            .primary
            .clone()
            .ok_or(PrimaryError::NoPrimary)?;
        let (host, port) = primary
            .host_port()
            .ok_or_else(|| PrimaryError::NoAddress(primary.name.clone()))?;
        let mut config = self.config.clone();
        config.host(&host).port(port);
        let (client, connection) = config.connect(NoTls).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("primary connection ended: {e}");
            }
        });
        let client = Arc::new(client);
        state.connected = Some((primary.name.clone(), Arc::clone(&client)));
        Ok(client)
    }

    /// Waits for the next change of the topology (the DCS watch) and takes it in: after a
    /// change of primary the next [`PrimaryClient::client`] connects to the new one. Run it
    /// in a loop in a task of its own.
    pub async fn follow(&self) -> Result<Vec<Change>, PrimaryError> {
        let current = self.state.lock().await.topology.clone();
        let (next, changes) = self.discovery.next_change(&current).await?;
        let mut state = self.state.lock().await;
        let moved = state
            .connected
            .as_ref()
            .is_some_and(|(name, _)| next.primary.as_ref().is_none_or(|p| &p.name != name));
        if moved {
            state.connected = None;
        }
        state.topology = next;
        Ok(changes)
    }

    /// The topology as last seen.
    pub async fn topology(&self) -> Topology {
        self.state.lock().await.topology.clone()
    }
}
