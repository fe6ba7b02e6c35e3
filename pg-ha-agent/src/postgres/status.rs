//! `status()`: a running server is asked over SQL (bounded by `status_timeout`); a stopped or
//! starting one is described from `pg_controldata` and the data directory.

use super::client::{bounded, connect, sql_error, ConnTarget};
use super::conninfo::Endpoint;
use super::local::LocalPostgres;
use super::pidfile::PidFile;
use super::timeline::read_history;
use pg_ha_core::postgres::{DataDirState, PgRole, PgStatus, ProcessState, ReplicaConnection};
use pg_ha_core::{Lsn, PgError};
use tokio_postgres::{Client, Row};

const STATUS_SQL: &str = "SELECT pg_catalog.pg_is_in_recovery(),
  CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL
       ELSE pg_catalog.pg_current_wal_flush_lsn()::text END,
  CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL
       ELSE ('x' || substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::int END,
  pg_catalog.pg_last_wal_receive_lsn()::text,
  pg_catalog.pg_last_wal_replay_lsn()::text,
  (SELECT timeline_id FROM pg_catalog.pg_control_checkpoint()),
  (SELECT system_identifier::text FROM pg_catalog.pg_control_system()),
  pg_catalog.current_setting('synchronous_standby_names'),
  (SELECT coalesce(bool_or(pending_restart), false) FROM pg_catalog.pg_settings),
  (SELECT status FROM pg_catalog.pg_stat_wal_receiver),
  (SELECT received_tli FROM pg_catalog.pg_stat_wal_receiver)";

const REPLICAS_SQL: &str = "SELECT application_name, coalesce(state, ''), coalesce(sync_state, ''),
  flush_lsn::text FROM pg_catalog.pg_stat_replication ORDER BY application_name";

/// One status row, decoded.
struct Observed {
    in_recovery: bool,
    flush: Option<Lsn>,
    primary_tli: Option<u32>,
    receive: Option<Lsn>,
    replay: Option<Lsn>,
    checkpoint_tli: Option<u32>,
    sysid: String,
    sync_names: String,
    pending_restart: bool,
    receiver_status: Option<String>,
    received_tli: Option<u32>,
}

impl Observed {
    fn from_row(row: &Row) -> Result<Observed, tokio_postgres::Error> {
        let lsn = |i: usize| -> Result<Option<Lsn>, tokio_postgres::Error> {
            Ok(row
                .try_get::<_, Option<String>>(i)?
                .and_then(|t| Lsn::parse_pg(&t)))
        };
        let tli = |i: usize| -> Result<Option<u32>, tokio_postgres::Error> {
            Ok(row
                .try_get::<_, Option<i32>>(i)?
                .and_then(|t| u32::try_from(t).ok()))
        };
        Ok(Observed {
            in_recovery: row.try_get(0)?,
            flush: lsn(1)?,
            primary_tli: tli(2)?,
            receive: lsn(3)?,
            replay: lsn(4)?,
            checkpoint_tli: tli(5)?,
            sysid: row.try_get::<_, Option<String>>(6)?.unwrap_or_default(),
            sync_names: row.try_get::<_, Option<String>>(7)?.unwrap_or_default(),
            pending_restart: row.try_get::<_, Option<bool>>(8)?.unwrap_or(false),
            receiver_status: row.try_get(9)?,
            received_tli: tli(10)?,
        })
    }

    fn timeline(&self) -> Option<u32> {
        if self.in_recovery {
            self.received_tli.max(self.checkpoint_tli)
        } else {
            self.primary_tli.or(self.checkpoint_tli)
        }
    }
}

impl LocalPostgres {
    /// The superuser connection target of the local server.
    pub(crate) fn local_target(&self) -> ConnTarget {
        let ep = Endpoint {
            host: self.listen.local_host(),
            port: self.listen.port,
        };
        ConnTarget::new(&ep, &self.settings.superuser)
    }

    /// A connection to the local server as superuser (not cached), bounded by the status
    /// timeout.
    pub async fn connect_local(&self) -> Result<Client, PgError> {
        connect(&self.local_target(), self.settings.status_timeout).await
    }

    /// Runs `f` on the cached local connection, reconnecting once when it fails.
    async fn with_client<T, F>(&self, f: F) -> Result<T, PgError>
    where
        F: for<'c> Fn(
            &'c Client,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<T, PgError>> + Send + 'c>,
        >,
    {
        let mut cached = self.client.lock().await;
        for attempt in 0..2 {
            if cached.is_none() {
                *cached = Some(self.connect_local().await?);
            }
            let Some(client) = cached.as_ref() else {
                continue;
            };
            match f(client).await {
                Ok(v) => return Ok(v),
                Err(e) if attempt == 0 && client.is_closed() => {
                    tracing::debug!("status connection lost ({e}); reconnecting");
                    *cached = None;
                }
                Err(e) => {
                    *cached = None;
                    return Err(e);
                }
            }
        }
        Err(PgError::Unreachable("no connection".into()))
    }

    /// The status of the local PostgreSQL.
    pub(crate) async fn status_impl(&self) -> Result<PgStatus, PgError> {
        self.adopt_running();
        let mut status = PgStatus::empty();
        if !self.paths.is_initialized() {
            status.process = self.process_when_down();
            return Ok(status);
        }
        let Some(pid) = self.postmaster.pid() else {
            return self.status_from_disk(self.process_when_down()).await;
        };
        let accepting =
            PidFile::read(&self.paths.pidfile()).is_some_and(|p| p.pid == pid && p.accepting());
        if !accepting {
            return self.status_from_disk(ProcessState::Starting).await;
        }
        self.status_from_server().await
    }

    fn process_when_down(&self) -> ProcessState {
        if self.postmaster.crashed() {
            ProcessState::Crashed
        } else {
            ProcessState::Stopped
        }
    }

    async fn status_from_disk(&self, process: ProcessState) -> Result<PgStatus, PgError> {
        let cd = self.controldata().await?;
        self.remember_sysid(Some(cd.sysid.clone()));
        let mut status = PgStatus::empty();
        status.process = process;
        status.data_dir = DataDirState::Initialized {
            sysid: cd.sysid.clone(),
            clean_shutdown: cd.state.is_clean(),
            standby_signal: self.paths.standby_signal().exists(),
        };
        status.timeline = cd.effective_timeline();
        status.write_lsn = cd.wal_position();
        status.upstream = self.followed_upstream();
        status.sync_standby_names = self.conf_state().sync_names.clone();
        if let Some(tl) = status.timeline {
            status.timeline_history = read_history(&self.paths, tl);
        }
        Ok(status)
    }

    fn followed_upstream(&self) -> Option<String> {
        let state = self.conf_state();
        state
            .recovery
            .as_ref()
            .and_then(|r| r.upstream.as_ref())
            .map(|u| u.name.clone())
    }

    async fn status_from_server(&self) -> Result<PgStatus, PgError> {
        let timeout = self.settings.status_timeout;
        let (obs, replicas) = self
            .with_client(|c| {
                Box::pin(async move {
                    let row = bounded(timeout, c.query_one(STATUS_SQL, &[]))
                        .await?
                        .map_err(|e| sql_error("status", e))?;
                    let obs = Observed::from_row(&row).map_err(|e| sql_error("status", e))?;
                    let rows = bounded(timeout, c.query(REPLICAS_SQL, &[]))
                        .await?
                        .map_err(|e| sql_error("pg_stat_replication", e))?;
                    Ok((obs, rows.iter().filter_map(replica).collect::<Vec<_>>()))
                })
            })
            .await?;
        Ok(self.running_status(obs, replicas))
    }

    fn running_status(&self, obs: Observed, replicas: Vec<ReplicaConnection>) -> PgStatus {
        self.remember_sysid(Some(obs.sysid.clone()));
        let mut status = PgStatus::empty();
        status.process = ProcessState::Running;
        status.data_dir = DataDirState::Initialized {
            sysid: obs.sysid.clone(),
            clean_shutdown: false,
            standby_signal: self.paths.standby_signal().exists(),
        };
        status.timeline = obs.timeline();
        if obs.in_recovery {
            status.timeline = status
                .timeline
                .max(self.standby_received_tli(obs.received_tli));
            status.role = Some(PgRole::Standby);
            status.receive_lsn = obs.receive;
            status.replay_lsn = obs.replay;
            status.upstream = self.followed_upstream();
            status.streaming = obs.receiver_status.as_deref() == Some("streaming");
        } else {
            status.role = Some(PgRole::Primary);
            status.write_lsn = obs.flush;
        }
        status.replicas = replicas;
        status.sync_standby_names = obs.sync_names;
        status.pending_restart = obs.pending_restart;
        if let Some(tl) = status.timeline {
            status.timeline_history = read_history(&self.paths, tl);
        }
        status
    }
}

impl LocalPostgres {
    /// The highest timeline this standby's WAL receiver has received WAL on since the
    /// postmaster started. `pg_stat_wal_receiver` has no row while the receiver is down
    /// (e.g. the primary just stopped, which is when an election reads the timeline), and
    /// the checkpoint's timeline only moves at the next restartpoint, so without this a
    /// standby that already streams a new primary's timeline reports the old one: it then
    /// counts as behind the cluster timeline and as diverged (a needless pg_rewind). A
    /// timeline the receiver got WAL on is proof that it follows it; a restart (rewind,
    /// reinit) forgets it.
    fn standby_received_tli(&self, received: Option<u32>) -> Option<u32> {
        let pid = self.postmaster.pid()?;
        let mut seen = self.received_tli.lock().unwrap_or_else(|e| e.into_inner());
        let known = seen.filter(|(p, _)| *p == pid).map(|(_, tli)| tli);
        let best = known.max(received)?;
        *seen = Some((pid, best));
        Some(best)
    }
}

fn replica(row: &Row) -> Option<ReplicaConnection> {
    Some(ReplicaConnection {
        application_name: row.try_get::<_, Option<String>>(0).ok()??,
        state: row.try_get(1).ok()?,
        sync_state: row.try_get(2).ok()?,
        flush_lsn: row
            .try_get::<_, Option<String>>(3)
            .ok()?
            .and_then(|t| Lsn::parse_pg(&t)),
    })
}
