//! A `Postgres` of your own: a PostgreSQL that pg-ha does not run as its child (in a
//! container, on a VM) managed through commands and asked over SQL.
//!
//! Everything that touches the postmaster or the data directory is a shell command run
//! through a prefix that passes its arguments on unchanged (`[docker, exec, pg1]`,
//! `[kubectl, exec, pg-0, --]`, `[runuser, -u, postgres, --]`);
//! the arguments a command needs come in environment variables:
//!
//! | variable | set for | value |
//! |---|---|---|
//! | `PGHA_NAME` | every command | this member's name |
//! | `PGHA_SOURCE` | `clone`, `rewind` | libpq conninfo of the member to copy from |
//! | `PGHA_PRIMARY_CONNINFO` | `start_standby` | the `primary_conninfo` to write (empty: none) |
//! | `PGHA_STOP_MODE` | `stop` | `smart`, `fast` or `immediate` |
//!
//! Status, slots, `synchronous_standby_names` and the dynamic parameters go over a libpq
//! connection to the server (`ALTER SYSTEM` and a reload).
//!
//! What this small implementation leaves out, on purpose: the write fence (the agent's own
//! demotion is then the only guard, as with Patroni without a watchdog), copying logical
//! slots to standbys, and timeline numbers chosen above the cluster's highest (a promotion
//! that would reuse a number is refused rather than made).

mod control;
mod observe;
mod run;
mod sql;

use pg_ha_core::config::PostgresqlDynamic;
use pg_ha_core::postgres::Upstream;
use serde::Deserialize;
use std::sync::Mutex;

/// The shell commands (each run as `prefix + [sh, -c, command]`).
#[derive(Debug, Clone, Deserialize)]
pub struct Commands {
    /// Exits 0 while the postmaster runs (e.g. `pg_ctl status -D /data`).
    pub running: String,
    /// Prints `pg_controldata` output; fails when there is no data directory.
    pub controldata: String,
    /// Exits 0 when the data directory is configured as a standby (`standby.signal`).
    pub standby_signal: String,
    /// Creates a new cluster in the empty data directory (initdb, configuration, the
    /// replication user) and starts it as a primary.
    pub bootstrap: String,
    /// Copies `PGHA_SOURCE` into the empty data directory (`pg_basebackup`), not started.
    pub clone: String,
    /// Starts as a primary (no `standby.signal`).
    pub start_primary: String,
    /// Starts as a standby of `PGHA_PRIMARY_CONNINFO`.
    pub start_standby: String,
    /// Stops with `PGHA_STOP_MODE`.
    pub stop: String,
    /// Promotes and waits until it is out of recovery (`pg_ctl promote -w`).
    pub promote: String,
    /// Rewinds the stopped data directory onto `PGHA_SOURCE` (`pg_rewind`).
    pub rewind: String,
    /// Empties the data directory (before a reinit).
    pub wipe: String,
}

/// What a [`CommandPostgres`] needs.
#[derive(Debug, Clone, Deserialize)]
pub struct CommandSettings {
    /// This member's name (the `application_name` it streams with).
    pub name: String,
    /// Prepended to every command: how to reach the server's container or machine (it must pass its
    /// arguments on unchanged, as `docker exec` and `runuser` do; plain `ssh` re-splits them).
    #[serde(default)]
    pub prefix: Vec<String>,
    /// libpq conninfo of a superuser session on the server, for status and settings.
    pub connect: String,
    /// `user=... password=...` for replication connections (clone, `primary_conninfo`).
    pub replication: String,
    /// `user=... password=...` of a superuser on the source, for `pg_rewind`.
    pub rewind: String,
    /// The commands.
    pub commands: Commands,
}

impl CommandSettings {
    /// Reads the settings from YAML, naming what is wrong.
    pub fn from_yaml(text: &str) -> Result<CommandSettings, String> {
        serde_norway::from_str(text).map_err(|e| format!("command settings: {e}"))
    }
}

/// A PostgreSQL managed through commands and asked over SQL.
pub struct CommandPostgres {
    settings: CommandSettings,
    /// The member the server was last pointed at (what `status().upstream` reports, and
    /// what a restart streams from again).
    upstream: Mutex<Option<Upstream>>,
    /// Dynamic parameters that arrived while the server was down, applied at the next start.
    pending: Mutex<Option<PostgresqlDynamic>>,
}

impl CommandPostgres {
    /// A controller with these settings (nothing runs until the agent asks).
    pub fn new(settings: CommandSettings) -> CommandPostgres {
        CommandPostgres {
            settings,
            upstream: Mutex::new(None),
            pending: Mutex::new(None),
        }
    }

    fn remembered_upstream(&self) -> Option<Upstream> {
        self.upstream.lock().map_or(None, |u| u.clone())
    }

    fn remember_upstream(&self, upstream: Option<&Upstream>) {
        if let Ok(mut remembered) = self.upstream.lock() {
            *remembered = upstream.cloned();
        }
    }

    fn take_pending(&self) -> Option<PostgresqlDynamic> {
        self.pending.lock().map_or(None, |mut p| p.take())
    }

    fn keep_pending(&self, config: &PostgresqlDynamic) {
        if let Ok(mut pending) = self.pending.lock() {
            *pending = Some(config.clone());
        }
    }
}
