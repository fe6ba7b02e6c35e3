//! `ActionError`: why an action failed, typed so that the runner can tell a failure worth
//! retrying at once (the DCS or PostgreSQL did not answer) from one that is not (a
//! conditional write lost to another node, a refusal).

use crate::dcs::DcsError;
use crate::postgres::PgError;

/// Why an executed action failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ActionError {
    /// The DCS call failed.
    #[error("{0}")]
    Dcs(#[from] DcsError),
    /// The PostgreSQL operation failed.
    #[error("{0}")]
    Postgres(#[from] PgError),
    /// A conditional write or delete did not apply, or the leader key is another node's:
    /// the cluster changed under this decision (the next one sees the change).
    #[error("{0}")]
    NotApplied(String),
    /// The action cannot run as asked (a member without `conn_url`, a required watchdog
    /// that cannot be armed, a value that cannot be serialized).
    #[error("{0}")]
    Refused(String),
}

impl ActionError {
    /// True when running the same action again soon may succeed: the DCS or PostgreSQL did
    /// not answer, or a command failed on the way.
    pub fn is_retryable(&self) -> bool {
        match self {
            ActionError::Dcs(e) => e.is_retryable(),
            ActionError::Postgres(e) => e.is_retryable(),
            ActionError::NotApplied(_) | ActionError::Refused(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_silence_and_failed_commands_are_retried_at_once() {
        assert!(ActionError::from(DcsError::Timeout("slow".into())).is_retryable());
        assert!(ActionError::from(PgError::Unreachable("down".into())).is_retryable());
        assert!(!ActionError::from(PgError::InvalidState("running".into())).is_retryable());
        assert!(!ActionError::NotApplied("lost the race".into()).is_retryable());
        assert!(!ActionError::Refused("no conn_url".into()).is_retryable());
    }
}
