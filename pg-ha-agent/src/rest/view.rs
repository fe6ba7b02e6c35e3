//! `NodeView`: everything the read endpoints need to know about this node, as plain data the
//! agent loop publishes after each cycle. The REST layer never touches the runner itself.

use super::LiveWal;
use pg_ha_core::config::{DynamicConfig, NodeConfig};
use pg_ha_core::dcs::Dcs;
use pg_ha_core::model::{Cluster, MemberState};
use pg_ha_core::peers::Peers;
use pg_ha_core::postgres::{PgStatus, Postgres};
use pg_ha_core::time::Mono;
use pg_ha_core::Lsn;
use pg_ha_core::{Decision, Runner};
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::watch;

/// One row of `pg_stat_replication` as `GET /patroni` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplicationRow {
    /// `usename`.
    pub usename: Option<String>,
    /// `application_name` (the member name).
    pub application_name: String,
    /// `client_addr`.
    pub client_addr: Option<String>,
    /// `state`, e.g. `streaming`.
    pub state: String,
    /// `sync_state`: `async`, `sync`, `quorum`, `potential`.
    pub sync_state: String,
    /// `sync_priority`.
    pub sync_priority: i64,
}

/// A snapshot of this node for the REST API. Times are on the node's monotonic clock (the
/// same clock the server is given).
#[derive(Debug, Clone, Default)]
pub struct NodeView {
    /// Name, scope, tags, conn_url and api_url.
    pub node: NodeConfig,
    /// The dynamic configuration in force (pause, ttl, synchronous_mode, standby_cluster).
    pub dynamic: DynamicConfig,
    /// The last cluster read successfully from the DCS.
    pub cluster: Option<Cluster>,
    /// When that read happened. The view counts as fresh (Patroni's "DCS view") for ttl.
    pub cluster_read_at: Option<Mono>,
    /// When the DCS was last reached, as Unix seconds (`dcs_last_seen`).
    pub dcs_last_seen: Option<i64>,
    /// The local PostgreSQL as last observed (`None`: not known yet).
    pub pg: Option<PgStatus>,
    /// A state that overrides the one derived from `pg` while an action runs (e.g.
    /// `creating replica`, `restarting`).
    pub state: Option<MemberState>,
    /// While this node holds the leader lease: until when it is valid by the local clock
    /// (last renewal + ttl - safety margin). Patroni's `is_leader()`.
    pub lease_until: Option<Mono>,
    /// The decision of the last cycle (`GET /why`).
    pub decision: Option<Decision>,
    /// When the next cycle is due at the latest (`GET /liveness`); `None` before the first.
    pub next_run: Option<Mono>,
    /// `pg_postmaster_start_time()` as Patroni writes it
    /// (`2026-11-26 11:03:10.462860+00:00`).
    pub postmaster_start_time: Option<String>,
    /// `server_version_num`, e.g. 150018 (the last known one while PostgreSQL is down).
    pub server_version: Option<u32>,
    /// `pg_last_xact_replay_timestamp()` on a replica, formatted like
    /// `postmaster_start_time`.
    pub replayed_timestamp: Option<String>,
    /// `pg_is_wal_replay_paused()` on a replica.
    pub replay_paused: bool,
    /// The WAL receiver's `written_lsn` while it runs: `xlog.received_location` when known.
    pub wal_written: Option<Lsn>,
    /// The WAL receiver's `latest_end_lsn` while it runs: the health checks' and
    /// readiness's lag reference besides the cluster's optime.
    pub latest_end_lsn: Option<Lsn>,
    /// `restore_command` is set: a replica that does not stream reports
    /// `replication_state: in archive recovery` (none otherwise, as Patroni does).
    pub restore_command: bool,
    /// `pg_stat_replication`; `None` derives rows from `pg.replicas`.
    pub replication: Option<Vec<ReplicationRow>>,
    /// The primary runs on failsafe confirmations (DCS unreachable).
    pub failsafe_active: bool,
    /// The scheduled restart, as published in the member key.
    pub scheduled_restart: Option<Value>,
    /// A required watchdog cannot be used or could not be armed.
    pub watchdog_failed: bool,
}

impl NodeView {
    /// What the runner knows: node and dynamic config, last cluster, PostgreSQL status,
    /// decision, and the lease deadline. The loop adds the times it tracks itself
    /// (`cluster_read_at`, `dcs_last_seen`, `next_run`) and the SQL-only details.
    pub fn from_runner<D, P, N>(runner: &Runner<D, P, N>) -> NodeView
    where
        D: Dcs + ?Sized,
        P: Postgres + ?Sized,
        N: Peers + ?Sized,
    {
        let cfg = runner.config();
        NodeView {
            lease_until: runner.facts().lease_deadline(&cfg.dynamic),
            watchdog_failed: runner.facts().watchdog_failed || runner.facts().watchdog_unusable,
            cluster: runner.last_cluster().cloned(),
            pg: runner.last_pg().cloned(),
            decision: runner.last_decision().cloned(),
            node: cfg.node,
            dynamic: cfg.dynamic,
            ..NodeView::default()
        }
    }

    /// True while the lease is valid at `now` (Patroni's `is_leader()`).
    pub fn holds_lease(&self, now: Mono) -> bool {
        self.lease_until.is_some_and(|until| now < until)
    }

    /// Patroni's `xlog.received_location` of a replica: the WAL receiver's written
    /// position, else the last received one, else the replayed one (0 when unknown).
    pub fn received_location(&self) -> u64 {
        let pg = self.pg.as_ref();
        [
            self.wal_written,
            pg.and_then(|pg| pg.receive_lsn),
            pg.and_then(|pg| pg.replay_lsn),
        ]
        .into_iter()
        .flatten()
        .map(|l| l.0)
        .find(|&l| l != 0)
        .unwrap_or(0)
    }

    /// The last cluster read, if it is younger than ttl at `now`.
    pub fn fresh_cluster(&self, now: Mono) -> Option<&Cluster> {
        let read_at = self.cluster_read_at?;
        if now < read_at + self.dynamic.ttl {
            self.cluster.as_ref()
        } else {
            None
        }
    }
}

/// Where the server gets the current view: a closure, a watch channel, or a fixed value;
/// optionally with WAL positions read at request time ([`ViewSource::with_live_wal`]).
#[derive(Clone)]
pub struct ViewSource {
    current: Arc<dyn Fn() -> Arc<NodeView> + Send + Sync>,
    live: Option<Arc<dyn LiveWal>>,
}

impl ViewSource {
    /// Calls `f` for every request.
    pub fn from_fn(f: impl Fn() -> Arc<NodeView> + Send + Sync + 'static) -> ViewSource {
        ViewSource {
            current: Arc::new(f),
            live: None,
        }
    }

    /// The latest value of a watch channel the agent loop publishes to.
    pub fn from_watch(rx: watch::Receiver<Arc<NodeView>>) -> ViewSource {
        ViewSource::from_fn(move || Arc::clone(&rx.borrow()))
    }

    /// Always the same view (tests, examples).
    pub fn fixed(view: NodeView) -> ViewSource {
        let view = Arc::new(view);
        ViewSource::from_fn(move || Arc::clone(&view))
    }

    /// Refreshes the WAL positions of every request's view from `live` (as Patroni's
    /// per-request status query does).
    pub fn with_live_wal(mut self, live: Arc<dyn LiveWal>) -> ViewSource {
        self.live = Some(live);
        self
    }

    /// The current view, as published.
    pub fn current(&self) -> Arc<NodeView> {
        (self.current)()
    }

    /// The current view with WAL positions read now, when a [`LiveWal`] is set; without
    /// positions when the server does not answer (see [`NodeView::without_positions`]).
    pub async fn fresh(&self) -> Arc<NodeView> {
        let view = self.current();
        let Some(live) = self.live.as_ref().filter(|_| view.has_live_wal()) else {
            return view;
        };
        match live.wal_now().await {
            Some(wal) => Arc::new(view.with_wal(wal)),
            None => Arc::new(view.without_positions()),
        }
    }
}

impl std::fmt::Debug for ViewSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ViewSource")
    }
}
