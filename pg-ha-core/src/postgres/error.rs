//! Errors of PostgreSQL control, classified by whether a retry may help.

/// A failed PostgreSQL operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PgError {
    /// The server could not be reached or did not answer in time.
    #[error("PostgreSQL unreachable: {0}")]
    Unreachable(String),
    /// A command (initdb, pg_ctl, pg_rewind, pg_basebackup, ...) failed.
    #[error("{command} failed: {reason}")]
    CommandFailed {
        /// The command that failed.
        command: String,
        /// Its error output or exit status.
        reason: String,
    },
    /// The local setup is wrong (missing binaries, bad data directory, port in use, ...).
    #[error("PostgreSQL setup error: {0}")]
    Setup(String),
    /// The operation is not possible in the current state.
    #[error("invalid state for this operation: {0}")]
    InvalidState(String),
    /// A hook refused the operation (`pre_promote` failed): the promotion must not happen.
    #[error("refused: {0}")]
    Refused(String),
}

impl PgError {
    /// True when retrying the same operation may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            PgError::Unreachable(_) | PgError::CommandFailed { .. }
        )
    }
}
