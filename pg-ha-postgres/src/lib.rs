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
//! ## Public API
//!
//! The items in these docs are the API, kept under semver: [`LocalPostgres`] and its
//! settings ([`PgSettings`] and the types beside it), [`primary_client`], and the helpers an
//! implementation of its own can reuse ([`client`], [`conninfo`], [`controldata`],
//! [`timeline`]). The modules hidden from the docs are public only for the agent, the fence
//! guard and the tests: no semver promise. Error enums are `#[non_exhaustive]`.
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

#[doc(hidden)]
pub mod auto_conf;
#[doc(hidden)]
pub mod basebackup;
mod bootstrap;
#[doc(hidden)]
pub mod callbacks;
pub mod client;
mod clone;
#[doc(hidden)]
pub mod command;
#[doc(hidden)]
pub mod conf;
mod configure;
pub mod conninfo;
pub mod controldata;
mod crash_recovery;
#[doc(hidden)]
pub mod details;
pub mod error;
#[doc(hidden)]
pub mod fence;
#[doc(hidden)]
pub mod files;
#[doc(hidden)]
pub mod hba;
mod hooks;
#[doc(hidden)]
pub mod initdb;
mod lifecycle;
#[doc(hidden)]
pub mod listen;
mod live_wal;
mod local;
mod parameters;
#[doc(hidden)]
pub mod paths;
#[doc(hidden)]
pub mod pidfile;
#[doc(hidden)]
pub mod postmaster;
pub mod primary_client;
#[doc(hidden)]
pub mod privileges;
#[doc(hidden)]
pub mod procs;
mod promote;
mod reinit;
mod rewind;
#[doc(hidden)]
pub mod roles;
mod server_cache;
#[doc(hidden)]
pub mod settings;
mod slot_copies;
mod slots;
mod sql_tls;
mod status;
mod sync_names;
mod taken_timelines;
pub mod timeline;
mod trait_impl;
#[doc(hidden)]
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
