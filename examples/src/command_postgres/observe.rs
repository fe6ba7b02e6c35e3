//! `status()`: a running server is asked over SQL; a stopped one is described from
//! `pg_controldata` (through the `controldata` command).

use super::CommandPostgres;
use pg_ha_core::postgres::{
    DataDirState, ExistingSlot, PgRole, PgStatus, ProcessState, ReplicaConnection, SlotKind,
};
use pg_ha_core::{Lsn, PgError};
use pg_ha_postgres::controldata::ControlData;
use pg_ha_postgres::timeline::parse_history;
use serde::Deserialize;
use std::time::Duration;
use tokio_postgres::{Client, NoTls, Row};

/// How long a status connection or query may take.
pub(super) const SQL_TIMEOUT: Duration = Duration::from_secs(3);

/// One round trip. A standby's timeline is the latest it knows of: its last restartpoint's,
/// the one it receives, or the newest history file it fetched (it follows that timeline
/// once the history is there, also after its upstream went away).
const STATUS_SQL: &str = "SELECT pg_catalog.pg_is_in_recovery(),
  CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL
       ELSE pg_catalog.pg_current_wal_flush_lsn()::text END,
  pg_catalog.pg_last_wal_receive_lsn()::text,
  pg_catalog.pg_last_wal_replay_lsn()::text,
  CASE WHEN pg_catalog.pg_is_in_recovery()
       THEN greatest((SELECT timeline_id FROM pg_catalog.pg_control_checkpoint()),
                     (SELECT received_tli FROM pg_catalog.pg_stat_wal_receiver),
                     (SELECT max(('x' || substr(name, 1, 8))::bit(32)::int)
                      FROM pg_catalog.pg_ls_waldir() WHERE name LIKE '%.history'))
       ELSE ('x' || substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::int END,
  (SELECT system_identifier::text FROM pg_catalog.pg_control_system()),
  pg_catalog.current_setting('synchronous_standby_names'),
  coalesce((SELECT status = 'streaming' FROM pg_catalog.pg_stat_wal_receiver), false),
  (SELECT count(*) > 0 FROM pg_catalog.pg_settings WHERE pending_restart),
  pg_catalog.current_setting('server_version_num')::int4,
  coalesce((SELECT json_agg(json_build_object('application_name', application_name,
      'state', state, 'sync_state', sync_state, 'flush_lsn', flush_lsn::text))
   FROM pg_catalog.pg_stat_replication), '[]')::text,
  coalesce((SELECT json_agg(json_build_object('name', slot_name, 'type', slot_type,
      'database', database, 'plugin', plugin, 'active', active,
      'lsn', coalesce(confirmed_flush_lsn, restart_lsn)::text) ORDER BY slot_name)
   FROM pg_catalog.pg_replication_slots), '[]')::text";

/// One row of `pg_stat_replication`.
#[derive(Deserialize)]
struct Replica {
    application_name: String,
    state: String,
    sync_state: String,
    flush_lsn: Option<String>,
}

/// One row of `pg_replication_slots`.
#[derive(Deserialize)]
struct Slot {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    database: Option<String>,
    plugin: Option<String>,
    active: bool,
    lsn: Option<String>,
}

impl CommandPostgres {
    /// A superuser session on the server, or `Unreachable`.
    pub(super) async fn session(&self) -> Result<Client, PgError> {
        let connect = tokio_postgres::connect(&self.settings.connect, NoTls);
        let (client, connection) = tokio::time::timeout(SQL_TIMEOUT, connect)
            .await
            .map_err(|_| PgError::Unreachable("no connection within 3 s".into()))?
            .map_err(|e| PgError::Unreachable(e.to_string()))?;
        tokio::spawn(connection);
        Ok(client)
    }

    pub(super) async fn observe(&self) -> Result<PgStatus, PgError> {
        let commands = &self.settings.commands;
        if !self.holds("running", &commands.running).await? {
            return self.stopped_status().await;
        }
        let Ok(client) = self.session().await else {
            let mut status = self.stopped_status().await?;
            status.process = ProcessState::Starting;
            return Ok(status);
        };
        let row = tokio::time::timeout(SQL_TIMEOUT, client.query_one(STATUS_SQL, &[]))
            .await
            .map_err(|_| PgError::Unreachable("no status within 3 s".into()))?
            .map_err(|e| PgError::Unreachable(format!("status: {e}")))?;
        let mut status = self
            .running_status(&row)
            .map_err(|e| PgError::Unreachable(e.to_string()))?;
        status.timeline_history = history(&client, status.timeline).await;
        Ok(status)
    }

    fn running_status(&self, row: &Row) -> Result<PgStatus, tokio_postgres::Error> {
        let lsn = |i: usize| -> Result<Option<Lsn>, tokio_postgres::Error> {
            Ok(row.try_get::<_, Option<&str>>(i)?.and_then(Lsn::parse_pg))
        };
        let in_recovery: bool = row.try_get(0)?;
        let mut status = PgStatus::empty();
        status.process = ProcessState::Running;
        status.data_dir = DataDirState::Initialized {
            sysid: row.try_get(5)?,
            clean_shutdown: false,
            standby_signal: in_recovery,
        };
        status.timeline = row.try_get::<_, Option<i32>>(4)?.map(|t| t as u32);
        if in_recovery {
            status.role = Some(PgRole::Standby);
            status.receive_lsn = lsn(2)?;
            status.replay_lsn = lsn(3)?;
            status.streaming = row.try_get(7)?;
            status.upstream = self.remembered_upstream().map(|u| u.name);
        } else {
            status.role = Some(PgRole::Primary);
            status.write_lsn = lsn(1)?;
        }
        status.sync_standby_names = row.try_get(6)?;
        status.pending_restart = row.try_get(8)?;
        status.server_version = Some(row.try_get::<_, i32>(9)? as u32);
        status.replicas = replicas(row.try_get(10)?);
        status.slots = Some(slots(row.try_get(11)?));
        Ok(status)
    }

    async fn stopped_status(&self) -> Result<PgStatus, PgError> {
        let commands = &self.settings.commands;
        let mut status = PgStatus::empty();
        let Ok(text) = self.run("controldata", &commands.controldata, &[]).await else {
            return Ok(status);
        };
        let control = ControlData::parse(&text).map_err(PgError::Setup)?;
        let clean = control.state.is_clean();
        status.data_dir = DataDirState::Initialized {
            sysid: control.sysid.clone(),
            clean_shutdown: clean,
            standby_signal: self
                .holds("standby_signal", &commands.standby_signal)
                .await?,
        };
        // Down without a clean shutdown: it crashed (or was killed), as far as we can tell.
        status.process = if clean {
            ProcessState::Stopped
        } else {
            ProcessState::Crashed
        };
        status.timeline = control.effective_timeline();
        status.write_lsn = control.wal_position();
        status.upstream = self.remembered_upstream().map(|u| u.name);
        Ok(status)
    }
}

/// The current timeline's history file, read over SQL (superuser); empty on timeline 1 or
/// when it cannot be read.
async fn history(client: &Client, timeline: Option<u32>) -> Vec<(u32, Lsn)> {
    let Some(tl) = timeline.filter(|t| *t > 1) else {
        return Vec::new();
    };
    let file = format!("pg_wal/{tl:08X}.history");
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&file];
    let read = client.query_one("SELECT pg_catalog.pg_read_file($1)", &params);
    match tokio::time::timeout(SQL_TIMEOUT, read).await {
        Ok(Ok(row)) => row
            .try_get::<_, &str>(0)
            .map(parse_history)
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn replicas(json: &str) -> Vec<ReplicaConnection> {
    let rows: Vec<Replica> = serde_json::from_str(json).unwrap_or_default();
    rows.into_iter()
        .map(|r| ReplicaConnection {
            application_name: r.application_name,
            state: r.state,
            sync_state: r.sync_state,
            flush_lsn: r.flush_lsn.as_deref().and_then(Lsn::parse_pg),
        })
        .collect()
}

fn slots(json: &str) -> Vec<ExistingSlot> {
    let rows: Vec<Slot> = serde_json::from_str(json).unwrap_or_default();
    rows.into_iter()
        .map(|s| ExistingSlot {
            kind: match s.kind.as_str() {
                "logical" => SlotKind::Logical {
                    database: s.database.unwrap_or_default(),
                    plugin: s.plugin.unwrap_or_default(),
                },
                _ => SlotKind::Physical,
            },
            name: s.name,
            active: s.active,
            position: s.lsn.as_deref().and_then(Lsn::parse_pg),
        })
        .collect()
}
