//! # pg-ha-postgres
//!
//! Control of the local PostgreSQL: [`LocalPostgres`] implements [`pg_ha_core::Postgres`] the
//! way Patroni treats its PostgreSQL (spec sections 2 and 5). It is the agent's PostgreSQL
//! half, in a crate of its own so that an embedder can run a node (or drive PostgreSQL from
//! its own code) without the agent's REST server and configuration loader.
//!
//! - The postmaster runs as a child of the agent (`postgres -D`), so an exit is noticed at
//!   once ([`LocalPostgres::subscribe_exits`]). As root, every PostgreSQL binary and user
//!   command runs as `run_as` (default `postgres`).
//! - The agent owns `postgresql.conf` (initdb's original is kept as `postgresql.base.conf`),
//!   `pg_hba.conf`, the recovery settings and signal files.
//! - `status()` never hangs: SQL with short timeouts when the server runs, `pg_controldata`
//!   when it does not.
//! - The write fence is a separate guard process (`pg-ha-fence`) that SIGKILLs a primary
//!   whose deadline passed, even when the agent is frozen or dead.
//!
//! One concept per module: settings and validation, process supervision, configuration
//! files, bootstrap, clone, rewind and reinit, status, slots, sync names, callbacks, fence.
//!
//! ## Example: the connection strings it writes
//!
//! ```
//! use pg_ha_postgres::conninfo::{conninfo, conninfo_get};
//!
//! let info = conninfo(&[("host", "10.0.0.1"), ("password", "it's")]);
//! assert_eq!(info, r"host=10.0.0.1 password='it\'s'");
//! assert_eq!(conninfo_get(&info, "password").as_deref(), Some("it's"));
//! ```

pub mod auto_conf;
pub mod basebackup;
mod bootstrap;
pub mod callbacks;
pub mod client;
mod clone;
pub mod command;
pub mod conf;
mod configure;
pub mod conninfo;
pub mod controldata;
mod crash_recovery;
pub mod details;
pub mod error;
pub mod fence;
pub mod files;
pub mod hba;
mod hooks;
pub mod initdb;
mod lifecycle;
pub mod listen;
mod live_wal;
mod local;
mod parameters;
pub mod paths;
pub mod pidfile;
pub mod postmaster;
pub mod primary_client;
pub mod privileges;
pub mod procs;
mod promote;
mod reinit;
mod rewind;
pub mod roles;
mod server_cache;
pub mod settings;
mod slot_copies;
mod slots;
mod sql_tls;
mod status;
mod sync_names;
mod taken_timelines;
pub mod timeline;
mod trait_impl;
pub mod validate;

pub use details::{PgDetails, WalSender};
pub use error::SetupError;
pub use lifecycle::Shutdown;
pub use live_wal::WalNow;
pub use local::LocalPostgres;
pub use pg_ha_core::postgres::slot_name;
pub use postmaster::PostmasterExit;
pub use privileges::RunAs;
pub use settings::{
    BootstrapMethod, Callbacks, Credentials, Hooks, PgSettings, ReplicaMethod, ToolOption,
    DEFAULT_BIN_DIR,
};
