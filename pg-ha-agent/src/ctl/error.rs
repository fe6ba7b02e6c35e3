//! `CtlError`: why a `pg-ha-ctl` command failed, and the exit code it maps to.

use crate::http::HttpError;
use pg_ha_core::DcsError;

/// A failed `pg-ha-ctl` command. The message is what the user sees after `Error: `.
#[derive(Debug, thiserror::Error)]
pub enum CtlError {
    /// The command line is wrong (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// The configuration file is missing or invalid.
    #[error("{0}")]
    Config(String),
    /// The DCS could not be reached or refused a request.
    #[error("DCS: {0}")]
    Dcs(#[from] DcsError),
    /// A member's REST API could not be reached.
    #[error("{0}")]
    Http(#[from] HttpError),
    /// The request was refused or failed; the message says why (it includes the REST reply
    /// when there is one).
    #[error("{0}")]
    Failed(String),
    /// A confirmation is needed but there is no terminal to ask on.
    #[error("{0}: no terminal to confirm on; pass --force to skip the confirmation")]
    NeedsConfirmation(String),
    /// The user answered no.
    #[error("Aborted")]
    Aborted,
}

impl CtlError {
    /// The process exit code: 2 for usage errors, 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            CtlError::Usage(_) => 2,
            _ => 1,
        }
    }

    /// A [`CtlError::Usage`] with `message`.
    pub fn usage(message: impl Into<String>) -> CtlError {
        CtlError::Usage(message.into())
    }

    /// A [`CtlError::Failed`] with `message`.
    pub fn failed(message: impl Into<String>) -> CtlError {
        CtlError::Failed(message.into())
    }
}
