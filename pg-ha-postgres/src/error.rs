//! Errors of the local setup, found when `LocalPostgres` is created or before a start.

use pg_ha_core::PgError;
use std::path::PathBuf;

/// A local setup that cannot work. Each variant names what is wrong; nothing is changed on
/// disk when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// `bin_dir` does not exist or is not a directory.
    #[error("postgresql.bin_dir {0} does not exist or is not a directory")]
    BinDirMissing(PathBuf),
    /// A required binary is missing from `bin_dir`.
    #[error("postgresql.bin_dir {dir} has no executable `{binary}`")]
    BinaryMissing {
        /// The directory searched.
        dir: PathBuf,
        /// The missing binary.
        binary: String,
    },
    /// The data directory path is unusable.
    #[error("postgresql.data_dir {path}: {reason}")]
    DataDir {
        /// The data directory.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The data directory belongs to another OS user.
    #[error("postgresql.data_dir {path} is owned by uid {owner}, but PostgreSQL runs as {user} (uid {uid})")]
    WrongOwner {
        /// The data directory.
        path: PathBuf,
        /// The owning uid.
        owner: u32,
        /// The user PostgreSQL runs as.
        user: String,
        /// That user's uid.
        uid: u32,
    },
    /// The data directory is readable by others.
    #[error(
        "postgresql.data_dir {path} has permissions {mode:04o}; PostgreSQL requires 0700 or 0750"
    )]
    WrongPermissions {
        /// The data directory.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The data directory belongs to another cluster.
    #[error(
        "postgresql.data_dir {path} has system identifier {found}, but the cluster's is {expected}"
    )]
    SystemIdMismatch {
        /// The data directory.
        path: PathBuf,
        /// Its system identifier.
        found: String,
        /// The cluster's.
        expected: String,
    },
    /// The listen port is taken by another process.
    #[error("postgresql.listen {address} is in use by another process")]
    PortInUse {
        /// `host:port`.
        address: String,
    },
    /// `listen` or `connect_address` cannot be parsed.
    #[error("postgresql.{key} {value:?} is not `host[,host]:port`")]
    BadAddress {
        /// The config key.
        key: String,
        /// Its value.
        value: String,
    },
    /// The OS user to run PostgreSQL as does not exist.
    #[error("postgresql.run_as user {0:?} does not exist")]
    UnknownUser(String),
    /// Running as root without being able to switch user, or as a user other than `run_as`.
    #[error("privileges: {0}")]
    Privileges(String),
    /// The guard binary of the write fence is missing.
    #[error("the write fence guard {0} does not exist (build the pg-ha-fence binary)")]
    FenceBinaryMissing(PathBuf),
    /// Another check failed.
    #[error("{0}")]
    Other(String),
}

impl From<SetupError> for PgError {
    fn from(e: SetupError) -> PgError {
        PgError::Setup(e.to_string())
    }
}

/// A `CommandFailed` error for `command`.
pub(crate) fn command_failed(command: &str, reason: impl std::fmt::Display) -> PgError {
    PgError::CommandFailed {
        command: command.to_string(),
        reason: reason.to_string(),
    }
}

/// A `Setup` error for an IO failure on `path`.
pub(crate) fn io_error(what: &str, path: &std::path::Path, e: std::io::Error) -> PgError {
    PgError::Setup(format!("{what} {}: {e}", path.display()))
}
