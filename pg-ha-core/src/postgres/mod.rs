//! The `Postgres` trait: control of the local PostgreSQL instance.

mod error;
mod slot;
mod status;
mod sync_standby_names;
mod write_fence;

pub use error::PgError;
pub use slot::{slot_name, ExistingSlot, SlotKind, SlotSpec};
pub use status::{DataDirState, PendingChange, PgRole, PgStatus, ProcessState, ReplicaConnection};
pub use sync_standby_names::{SyncStandbyNames, STRICT_PLACEHOLDER};
pub use write_fence::WriteFence;

use crate::time::Mono;
use async_trait::async_trait;

/// Where a standby streams from: a member of this cluster (or a remote for a standby cluster).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Upstream {
    /// The member name (used for `application_name` matching and slot names).
    pub name: String,
    /// `postgres://host:port/postgres` as published in the member key; empty for a remote
    /// that is only an archive (`restore_command`, no streaming).
    pub conn_url: String,
    /// `Some` for the remote primary of a standby cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<RemoteUpstream>,
}

impl Upstream {
    /// A member of this cluster.
    pub fn member(name: &str, conn_url: &str) -> Upstream {
        Upstream {
            name: name.to_string(),
            conn_url: conn_url.to_string(),
            remote: None,
        }
    }
}

/// What a standby leader of a standby cluster streams with, instead of a member's settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct RemoteUpstream {
    /// `primary_slot_name` on the remote (none: no slot).
    pub slot: Option<String>,
    /// `restore_command`, `archive_cleanup_command`, `recovery_min_apply_delay`.
    pub recovery: std::collections::BTreeMap<String, String>,
    /// `create_replica_methods` of the standby cluster: how its bootstrap copies the remote
    /// (empty: the node's own methods).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<String>,
}

/// How to stop PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StopMode {
    /// `pg_ctl stop -m fast` with a shutdown checkpoint.
    Fast,
    /// Fast, and SIGKILL if the server has not stopped after `after` (Patroni's
    /// `primary_stop_timeout` in synchronous mode: a primary that cannot finish its
    /// shutdown checkpoint must not hold the switchover or the shutdown up).
    FastOrKill {
        /// How long the fast stop may take.
        after: std::time::Duration,
    },
    /// `pg_ctl stop -m immediate`: no checkpoint, crash recovery at next start.
    Immediate,
}

/// Control of the local PostgreSQL. Each call returns when the operation is complete or failed.
///
/// Called only by the runner's execute phase (and `status` by its observe phase).
#[async_trait]
pub trait Postgres: Send + Sync {
    /// The current state. Returns promptly (bounded by a short timeout) even when the server
    /// is stopped or hung; a server that cannot be asked is reported in the status, not as Err
    /// unless nothing at all can be learned.
    async fn status(&self) -> Result<PgStatus, PgError>;

    /// Creates a new cluster in an empty data directory (initdb + roles) and starts it as
    /// primary. Returns the system identifier.
    async fn bootstrap(&self) -> Result<String, PgError>;

    /// Clones the data directory from `source` (pg_basebackup or a replica method) into an
    /// empty data directory. Does not start the server.
    async fn clone_replica(&self, source: &Upstream) -> Result<(), PgError>;

    /// Starts as a read-write primary (no recovery settings).
    async fn start_primary(&self) -> Result<(), PgError>;

    /// Starts as a standby streaming from `upstream` (or with no upstream: read-only, archive
    /// only).
    async fn start_standby(&self, upstream: Option<&Upstream>) -> Result<(), PgError>;

    /// Stops the server.
    async fn stop(&self, mode: StopMode) -> Result<(), PgError>;

    /// Promotes a standby and waits until it is out of recovery. The new timeline must be
    /// numbered above `above_timeline` (the highest timeline already taken in the cluster)
    /// as well as above the standby's own, so that two branches never share a number.
    async fn promote(&self, above_timeline: u32) -> Result<(), PgError>;

    /// Points a running standby at a new upstream (reload where possible, else restart).
    async fn follow(&self, upstream: Option<&Upstream>) -> Result<(), PgError>;

    /// Creates the replica without a leader into the empty data directory, with the
    /// `no_leader` replica methods (a restore from backups), configured as a standby
    /// without an upstream (not started). Implementations without such methods refuse.
    async fn clone_without_leader(&self) -> Result<(), PgError> {
        Err(PgError::InvalidState(
            "no replica method can create a replica without a leader".into(),
        ))
    }

    /// Runs pg_rewind against `source` on a stopped data directory.
    async fn rewind(&self, source: &Upstream) -> Result<(), PgError>;

    /// Wipes the data directory and clones it again from `source` (reinit).
    async fn reinit(&self, source: &Upstream) -> Result<(), PgError>;

    /// Restarts the server in its current role.
    async fn restart(&self) -> Result<(), PgError>;

    /// Sets `synchronous_standby_names` and reloads.
    async fn set_sync_standby_names(&self, names: &SyncStandbyNames) -> Result<(), PgError>;

    /// Creates replication slots on the running server (physical ones reserve WAL at once;
    /// logical ones only on a primary). A slot that exists already is left as it is.
    async fn create_slots(&self, slots: &[SlotSpec]) -> Result<(), PgError>;

    /// Drops replication slots on the running server; one that is gone already is skipped.
    async fn drop_slots(&self, names: &[String]) -> Result<(), PgError>;

    /// Copies the named logical slots of `source` into this standby and restarts it so that
    /// PostgreSQL loads them (PostgreSQL 15 cannot create a logical slot on a standby).
    async fn copy_logical_slots(&self, source: &Upstream, names: &[String]) -> Result<(), PgError>;

    /// Advances logical slots of this running standby to the given positions (at most to
    /// what it has replayed). A copy that cannot be advanced (its WAL is gone) is dropped, so
    /// that it is copied again.
    async fn advance_slots(&self, slots: &[(String, crate::lsn::Lsn)]) -> Result<(), PgError>;

    /// Applies the dynamic `postgresql` section, merged with the node's own settings
    /// ([`crate::config::ServerConfig::effective`]): rewrites the configuration files of an
    /// initialised data directory and reloads a running server. Parameters that need a
    /// restart then show in the status (`pending_restart`).
    async fn apply_config(&self, config: &crate::config::PostgresqlDynamic) -> Result<(), PgError>;

    /// Arms the write fence: after `deadline` on the local monotonic clock the server must no
    /// longer accept writes unless the fence is extended, even if the agent is frozen.
    /// `None` disarms it.
    async fn set_write_fence(&self, deadline: Option<Mono>) -> Result<(), PgError>;

    /// Arms the write fence as [`Postgres::set_write_fence`] does, and has a primary
    /// stopped cleanly at `fence.clean_stop` if the fence is not extended by then, even if
    /// the agent is frozen. Called after every successful lease renewal. The default arms
    /// the deadline only.
    async fn arm_write_fence(&self, fence: Option<WriteFence>) -> Result<(), PgError> {
        self.set_write_fence(fence.map(|f| f.deadline)).await
    }
}
