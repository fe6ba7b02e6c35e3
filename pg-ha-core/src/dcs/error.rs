//! Errors of DCS operations, classified by whether a retry may help.

/// A failed DCS operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DcsError {
    /// The store could not be reached (connection refused, no endpoint answered).
    #[error("DCS unreachable: {0}")]
    Unreachable(String),
    /// The request did not complete in time.
    #[error("DCS request timed out: {0}")]
    Timeout(String),
    /// The store refused the request (permission, invalid argument, ...).
    #[error("DCS rejected the request: {0}")]
    Rejected(String),
    /// A value in the store is not in the expected format.
    #[error("corrupt DCS value in `{key}`: {reason}")]
    Corrupt {
        /// The key at fault.
        key: String,
        /// What is wrong.
        reason: String,
    },
}

impl DcsError {
    /// True when retrying the same request may succeed (unreachable, timeout).
    pub fn is_retryable(&self) -> bool {
        matches!(self, DcsError::Unreachable(_) | DcsError::Timeout(_))
    }
}
