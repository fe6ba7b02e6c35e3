//! `status()`: a running server is asked over SQL (bounded by `status_timeout`); a stopped or
//! starting one is described from `pg_controldata` and the data directory.

use super::client::{bounded, connect, sql_error, ConnTarget};
use super::conninfo::Endpoint;
use super::details::{parse_wal_senders, python_timestamp, PgDetails, WalSender};
use super::local::LocalPostgres;
use super::pidfile::PidFile;
use super::server_cache::{StartFacts, StatusConn};
use super::timeline::read_history;
use pg_ha_core::postgres::{
    DataDirState, PendingChange, PgRole, PgStatus, ProcessState, ReplicaConnection,
};
use pg_ha_core::{Lsn, PgError};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio_postgres::{Client, Row};

/// The status query: one round trip per cycle on the cached connection (prepared once per
/// connection). `$1` asks for the values that only change with a postmaster restart
/// (`server_version_num`, `pg_postmaster_start_time()`); they are read once per postmaster.
/// Timestamps come as epoch microseconds plus the session's UTC offset, so that they can be
/// written the way Patroni's JSON writes them.
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
  (SELECT json_object_agg(s.name, json_build_object(
      'old_value', pg_catalog.current_setting(s.name), 'new_value', coalesce(f.setting, '')))
   FROM pg_catalog.pg_settings AS s LEFT JOIN LATERAL (SELECT setting
      FROM pg_catalog.pg_file_settings AS f WHERE f.name = s.name
      ORDER BY f.seqno DESC LIMIT 1) AS f ON true
   WHERE s.pending_restart)::text,
  w.status,
  w.received_tli,
  w.written_lsn::text,
  w.latest_end_lsn::text,
  CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_is_wal_replay_paused()
       ELSE false END,
  (extract(epoch FROM pg_catalog.pg_last_xact_replay_timestamp()) * 1000000)::int8,
  extract(timezone FROM pg_catalog.pg_last_xact_replay_timestamp())::int4,
  pg_catalog.current_setting('restore_command') <> '',
  CASE WHEN $1 THEN pg_catalog.current_setting('server_version_num')::int4 END,
  CASE WHEN $1 THEN (extract(epoch FROM pg_catalog.pg_postmaster_start_time()) * 1000000)::int8 END,
  CASE WHEN $1 THEN extract(timezone FROM pg_catalog.pg_postmaster_start_time())::int4 END,
  (SELECT json_agg(json_build_object('usename', usename, 'application_name', application_name,
      'client_addr', host(client_addr), 'state', state, 'sync_state', sync_state,
      'sync_priority', sync_priority, 'flush_lsn', flush_lsn::text) ORDER BY application_name)
   FROM pg_catalog.pg_stat_replication)::text,
  (SELECT json_agg(json_build_object('name', slot_name,
      'type', slot_type, 'database', database, 'plugin', plugin, 'active', active,
      'lsn', coalesce(confirmed_flush_lsn, restart_lsn)::text)
      ORDER BY slot_name) FROM pg_catalog.pg_replication_slots)::text
FROM (SELECT 1) AS one LEFT JOIN pg_catalog.pg_stat_wal_receiver AS w ON true";

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
    pending_restart: BTreeMap<String, PendingChange>,
    receiver_status: Option<String>,
    received_tli: Option<u32>,
    written: Option<Lsn>,
    latest_end: Option<Lsn>,
    replay_paused: bool,
    replayed_timestamp: Option<String>,
    restore_command: bool,
    server_version: Option<u32>,
    start_time: Option<String>,
    wal_senders: Vec<WalSender>,
    slots: Vec<pg_ha_core::postgres::ExistingSlot>,
}

impl Observed {
    fn from_row(row: &Row) -> Result<Observed, tokio_postgres::Error> {
        let lsn = |i: usize| -> Result<Option<Lsn>, tokio_postgres::Error> {
            Ok(row
                .try_get::<_, Option<String>>(i)?
                .and_then(|t| Lsn::parse_pg(&t)))
        };
        let int = |i: usize| -> Result<Option<u32>, tokio_postgres::Error> {
            Ok(row
                .try_get::<_, Option<i32>>(i)?
                .and_then(|t| u32::try_from(t).ok()))
        };
        let timestamp = |i: usize| -> Result<Option<String>, tokio_postgres::Error> {
            let micros = row.try_get::<_, Option<i64>>(i)?;
            let offset = row.try_get::<_, Option<i32>>(i + 1)?;
            Ok(micros.zip(offset).and_then(|(m, o)| python_timestamp(m, o)))
        };
        Ok(Observed {
            in_recovery: row.try_get(0)?,
            flush: lsn(1)?,
            primary_tli: int(2)?,
            receive: lsn(3)?,
            replay: lsn(4)?,
            checkpoint_tli: int(5)?,
            sysid: row.try_get::<_, Option<String>>(6)?.unwrap_or_default(),
            sync_names: row.try_get::<_, Option<String>>(7)?.unwrap_or_default(),
            pending_restart: pending_changes(row.try_get::<_, Option<&str>>(8)?),
            receiver_status: row.try_get(9)?,
            received_tli: int(10)?,
            written: lsn(11)?,
            latest_end: lsn(12)?,
            replay_paused: row.try_get::<_, Option<bool>>(13)?.unwrap_or(false),
            replayed_timestamp: timestamp(14)?,
            restore_command: row.try_get::<_, Option<bool>>(16)?.unwrap_or(false),
            server_version: int(17)?,
            start_time: timestamp(18)?,
            wal_senders: parse_wal_senders(row.try_get::<_, Option<&str>>(20)?),
            slots: super::slots::parse_slots(row.try_get::<_, Option<&str>>(21)?),
        })
    }

    fn timeline(&self) -> Option<u32> {
        if self.in_recovery {
            self.received_tli.max(self.checkpoint_tli)
        } else {
            self.primary_tli.or(self.checkpoint_tli)
        }
    }

    /// The connected standbys as the runner sees them (rows with an application name).
    fn replicas(&self) -> Vec<ReplicaConnection> {
        self.wal_senders
            .iter()
            .filter_map(|w| {
                Some(ReplicaConnection {
                    application_name: w.application_name.clone()?,
                    state: w.state.clone().unwrap_or_default(),
                    sync_state: w.sync_state.clone().unwrap_or_default(),
                    flush_lsn: w.flush_lsn.as_deref().and_then(Lsn::parse_pg),
                })
            })
            .collect()
    }
}

impl LocalPostgres {
    /// The superuser connection target of the local server.
    pub(crate) fn local_target(&self) -> ConnTarget {
        let host = if self.settings.use_unix_socket {
            self.socket_host()
        } else {
            self.listen.local_host()
        };
        let ep = Endpoint {
            host,
            port: self.listen.port,
        };
        ConnTarget::new(&ep, &self.settings.superuser)
    }

    /// The first of `unix_socket_directories` (the agent's default when unset).
    fn socket_host(&self) -> String {
        let configured = self
            .conf_state()
            .parameters
            .get("unix_socket_directories")
            .and_then(|dirs| {
                dirs.split(',')
                    .map(str::trim)
                    .find(|d| !d.is_empty())
                    .map(str::to_string)
            });
        configured.unwrap_or_else(|| self.socket_dir.clone())
    }

    /// A connection to the local server as superuser (not cached), bounded by the status
    /// timeout.
    pub async fn connect_local(&self) -> Result<Client, PgError> {
        connect(&self.local_target(), self.settings.status_timeout).await
    }

    /// The SQL-only facts of the last successful status query of the running server
    /// (`None` while it is not running or the query failed).
    pub fn details(&self) -> Option<Arc<PgDetails>> {
        self.details.borrow().clone()
    }

    /// A receiver of [`LocalPostgres::details`], updated by every status call.
    pub fn subscribe_details(&self) -> tokio::sync::watch::Receiver<Option<Arc<PgDetails>>> {
        self.details.subscribe()
    }

    fn set_details(&self, details: Option<PgDetails>) {
        self.details.send_if_modified(|current| {
            if current.as_deref() == details.as_ref() {
                return false;
            }
            *current = details.map(Arc::new);
            true
        });
    }

    /// Runs the status query on the cached connection (connecting and preparing the query
    /// when there is none), reconnecting once when the connection was lost.
    async fn query_status(&self, with_start_facts: bool) -> Result<Row, PgError> {
        let timeout = self.settings.status_timeout;
        let mut cached = self.client.lock().await;
        for attempt in 0..2 {
            let conn = match cached.take() {
                Some(conn) => conn,
                None => {
                    let client = self.connect_local().await?;
                    let statement = bounded(timeout, client.prepare(STATUS_SQL))
                        .await?
                        .map_err(|e| sql_error("status", e))?;
                    StatusConn { client, statement }
                }
            };
            let result = bounded(
                timeout,
                conn.client.query_one(&conn.statement, &[&with_start_facts]),
            )
            .await;
            match result {
                Ok(Ok(row)) => {
                    *cached = Some(conn);
                    return Ok(row);
                }
                Ok(Err(e)) if attempt == 0 && conn.client.is_closed() => {
                    tracing::debug!("status connection lost ({e}); reconnecting");
                }
                Ok(Err(e)) => return Err(sql_error("status", e)),
                Err(e) => return Err(e),
            }
        }
        Err(PgError::Unreachable("no connection".into()))
    }

    /// The status of the local PostgreSQL.
    pub(crate) async fn status_impl(&self) -> Result<PgStatus, PgError> {
        self.adopt_running();
        let mut status = PgStatus::empty();
        if !self.paths.is_initialized() {
            self.set_details(None);
            status.process = self.process_when_down();
            return Ok(status);
        }
        let Some(pid) = self.postmaster.pid() else {
            self.set_details(None);
            return self.status_from_disk(self.process_when_down()).await;
        };
        let accepting =
            PidFile::read(&self.paths.pidfile()).is_some_and(|p| p.pid == pid && p.accepting());
        if !accepting {
            self.set_details(None);
            return self.status_from_disk(ProcessState::Starting).await;
        }
        let result = self.status_from_server(pid).await;
        if result.is_err() {
            self.set_details(None);
        }
        result
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

    async fn status_from_server(&self, pid: u32) -> Result<PgStatus, PgError> {
        let known = self.start_facts(pid);
        let row = self.query_status(known.is_none()).await?;
        let obs = Observed::from_row(&row).map_err(|e| sql_error("status", e))?;
        let facts = known.or_else(|| self.remember_start_facts(pid, &obs));
        let status = self.running_status(pid, &obs);
        self.set_details(facts.map(|facts| details(pid, facts, obs)));
        Ok(status)
    }

    /// The start facts of postmaster `pid`, if they were read since it started.
    fn start_facts(&self, pid: u32) -> Option<StartFacts> {
        let learned = self.learned();
        learned
            .start_facts
            .as_ref()
            .filter(|f| f.pid == pid)
            .cloned()
    }

    fn remember_start_facts(&self, pid: u32, obs: &Observed) -> Option<StartFacts> {
        let facts = StartFacts {
            pid,
            server_version: obs.server_version?,
            start_time: obs.start_time.clone()?,
        };
        self.learned().start_facts = Some(facts.clone());
        Some(facts)
    }

    fn running_status(&self, pid: u32, obs: &Observed) -> PgStatus {
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
        status.replicas = obs.replicas();
        status.sync_standby_names = obs.sync_names.clone();
        let mut pending = obs.pending_restart.clone();
        if obs.in_recovery {
            pending.extend(self.conf_state().raised_for_standby());
        }
        status.pending_restart = !pending.is_empty();
        status.pending_restart_reason = pending;
        status.slots = Some(obs.slots.clone());
        status.server_version = obs.server_version;
        if let Some(tl) = status.timeline {
            status.timeline_history = self.history.get(&self.paths, pid, tl);
        }
        status
    }
}

fn details(pid: u32, facts: StartFacts, obs: Observed) -> PgDetails {
    PgDetails {
        postmaster_pid: pid,
        in_recovery: obs.in_recovery,
        server_version: facts.server_version,
        postmaster_start_time: facts.start_time,
        replayed_timestamp: obs.replayed_timestamp,
        replay_paused: obs.replay_paused,
        written_lsn: obs.written,
        latest_end_lsn: obs.latest_end,
        restore_command: obs.restore_command,
        wal_senders: obs.wal_senders,
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
        let mut learned = self.learned();
        let known = learned
            .received_tli
            .filter(|(p, _)| *p == pid)
            .map(|(_, tli)| tli);
        let best = known.max(received)?;
        learned.received_tli = Some((pid, best));
        Some(best)
    }
}

/// The status query's `{"name": {"old_value", "new_value"}}` of the parameters waiting for a
/// restart; empty when none (or unreadable, logged).
fn pending_changes(json: Option<&str>) -> BTreeMap<String, PendingChange> {
    let Some(json) = json else {
        return BTreeMap::new();
    };
    serde_json::from_str(json).unwrap_or_else(|e| {
        tracing::warn!("unreadable pending_restart list {json}: {e}");
        BTreeMap::new()
    })
}
