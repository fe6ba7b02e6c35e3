//! `PgStatus`: what the runner observes of the local PostgreSQL each cycle.

use crate::lsn::Lsn;
use std::collections::BTreeMap;

/// A parameter whose new value waits for a restart: one entry of Patroni's
/// `pending_restart_reason`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingChange {
    /// The value the server runs with.
    pub old_value: String,
    /// The value in the configuration files.
    pub new_value: String,
}

/// The data directory as found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataDirState {
    /// Missing or empty: nothing to start.
    Empty,
    /// An initialized data directory.
    Initialized {
        /// `pg_controldata`'s system identifier.
        sysid: String,
        /// True when pg_control says it was shut down cleanly (not `in production`).
        clean_shutdown: bool,
        /// True when it is configured as a standby (standby.signal present).
        standby_signal: bool,
    },
}

/// Whether the postmaster runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessState {
    /// Not running (stopped on purpose or never started).
    Stopped,
    /// Not running, and it exited without being asked to.
    Crashed,
    /// Started but not yet accepting connections.
    Starting,
    /// Accepting connections.
    Running,
}

/// Whether a running server is a primary or in recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PgRole {
    /// Out of recovery: accepts writes.
    Primary,
    /// In recovery (standby).
    Standby,
}

/// One row of `pg_stat_replication` (a standby connected to this server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaConnection {
    /// `application_name` (= the member name).
    pub application_name: String,
    /// `state`, e.g. `streaming`.
    pub state: String,
    /// `sync_state`: `async`, `sync`, `quorum`, `potential`.
    pub sync_state: String,
    /// The standby's flushed position.
    pub flush_lsn: Option<Lsn>,
}

/// The local PostgreSQL as observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgStatus {
    /// The data directory.
    pub data_dir: DataDirState,
    /// The postmaster.
    pub process: ProcessState,
    /// Primary or standby, when running.
    pub role: Option<PgRole>,
    /// The current timeline, when known (running, or from pg_control).
    pub timeline: Option<u32>,
    /// Primary: the flushed WAL position. Stopped: the last checkpoint's redo/end position.
    pub write_lsn: Option<Lsn>,
    /// Standby: received position.
    pub receive_lsn: Option<Lsn>,
    /// Standby: replayed position.
    pub replay_lsn: Option<Lsn>,
    /// Standby: the member name it streams from (`application_name` of primary_conninfo's
    /// target), if streaming is configured.
    pub upstream: Option<String>,
    /// True when a standby's WAL receiver is streaming.
    pub streaming: bool,
    /// Standbys connected to this server.
    pub replicas: Vec<ReplicaConnection>,
    /// `synchronous_standby_names` in force.
    pub sync_standby_names: String,
    /// Parameters changed that need a restart.
    pub pending_restart: bool,
    /// Which parameters, from what to what (may be empty when only `pending_restart` is
    /// known).
    pub pending_restart_reason: BTreeMap<String, PendingChange>,
    /// The current timeline's history (`pg_wal/<TL>.history`): (parent timeline, switch LSN)
    /// for every earlier timeline, oldest first. Empty on timeline 1.
    pub timeline_history: Vec<(u32, Lsn)>,
    /// The server's replication slots (`pg_replication_slots`), sorted by name; `None`
    /// when they were not read (not running).
    pub slots: Option<Vec<super::ExistingSlot>>,
    /// `server_version_num` of the running server (e.g. 150018), when known.
    pub server_version: Option<u32>,
}

impl PgStatus {
    /// A status for a node with an empty data directory and no server.
    pub fn empty() -> PgStatus {
        PgStatus {
            data_dir: DataDirState::Empty,
            process: ProcessState::Stopped,
            role: None,
            timeline: None,
            write_lsn: None,
            receive_lsn: None,
            replay_lsn: None,
            upstream: None,
            streaming: false,
            replicas: Vec::new(),
            sync_standby_names: String::new(),
            pending_restart: false,
            pending_restart_reason: BTreeMap::new(),
            timeline_history: Vec::new(),
            slots: None,
            server_version: None,
        }
    }

    /// A running server of system `sysid` in `role` (a standby has `standby.signal`); the
    /// positions, timeline and the rest are left for the caller to fill in.
    pub fn running(sysid: &str, role: PgRole) -> PgStatus {
        let mut pg = PgStatus::empty();
        pg.data_dir = DataDirState::Initialized {
            sysid: sysid.to_string(),
            clean_shutdown: false,
            standby_signal: role == PgRole::Standby,
        };
        pg.process = ProcessState::Running;
        pg.role = Some(role);
        pg
    }

    /// True when the server runs as a primary (accepts writes).
    pub fn is_running_primary(&self) -> bool {
        self.process == ProcessState::Running && self.role == Some(PgRole::Primary)
    }

    /// True when the server runs in recovery.
    pub fn is_running_standby(&self) -> bool {
        self.process == ProcessState::Running && self.role == Some(PgRole::Standby)
    }

    /// The node's WAL position for elections: write LSN on a primary, else max(receive, replay).
    pub fn wal_position(&self) -> Option<Lsn> {
        match self.role {
            Some(PgRole::Primary) => self.write_lsn,
            _ => self.receive_lsn.max(self.replay_lsn).or(self.write_lsn),
        }
    }

    /// The system identifier, if the data directory is initialized.
    pub fn sysid(&self) -> Option<&str> {
        match &self.data_dir {
            DataDirState::Initialized { sysid, .. } => Some(sysid),
            DataDirState::Empty => None,
        }
    }
}
