//! Errors: the crate's internal classification of etcd failures, and setup errors.

use pg_ha_core::DcsError;
use std::path::PathBuf;
use tonic::Code;

/// Why [`crate::EtcdDcs::new`] refused a configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The configuration lists no endpoint.
    #[error("no etcd endpoint configured")]
    NoEndpoints,
    /// An endpoint is not an `http://` or `https://` URL.
    #[error("invalid etcd endpoint `{0}`: expected http://host:port or https://host:port")]
    BadEndpoint(String),
    /// A password without a user name, or the reverse.
    #[error("etcd authentication needs both a user name and a password")]
    IncompleteAuth,
    /// A TLS file could not be read.
    #[error("cannot read etcd TLS {what} `{path}`: {source}")]
    ReadTlsFile {
        /// Which file (CA, certificate, key).
        what: &'static str,
        /// Its path.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
}

/// A failed etcd call, classified for retries and failover.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum EtcdError {
    /// No answer from the endpoint (connection refused or lost, no leader): try another one.
    #[error("{0}")]
    Unreachable(String),
    /// The call did not finish in time.
    #[error("{0}")]
    Timeout(String),
    /// The node's lease does not exist any more (expired or revoked).
    #[error("lease not found")]
    LeaseNotFound,
    /// etcd refused the request; retrying will not help.
    #[error("{0}")]
    Rejected(String),
}

impl EtcdError {
    /// True when another attempt (on this or another endpoint) may succeed.
    pub(crate) fn is_retryable(&self) -> bool {
        matches!(self, EtcdError::Unreachable(_) | EtcdError::Timeout(_))
    }
}

impl From<EtcdError> for DcsError {
    fn from(e: EtcdError) -> DcsError {
        match e {
            EtcdError::Unreachable(m) => DcsError::Unreachable(m),
            EtcdError::Timeout(m) => DcsError::Timeout(m),
            EtcdError::LeaseNotFound => DcsError::Rejected("etcd lease not found".to_string()),
            EtcdError::Rejected(m) => DcsError::Rejected(m),
        }
    }
}

impl From<etcd_client::Error> for EtcdError {
    fn from(e: etcd_client::Error) -> EtcdError {
        classify(e)
    }
}

/// Sorts an etcd-client error into retryable (unreachable, timeout) and final (rejected).
fn classify(e: etcd_client::Error) -> EtcdError {
    use etcd_client::Error as E;
    let text = e.to_string();
    match e {
        E::GRpcStatus(status) => classify_status(status.code(), status.message(), text),
        E::LeaseKeepAliveError(m) if m.contains("lease not found") => EtcdError::LeaseNotFound,
        E::TransportError(_) | E::IoError(_) | E::WatchError(_) | E::LeaseKeepAliveError(_) => {
            EtcdError::Unreachable(text)
        }
        E::EndpointError(_) | E::Internal(_) => EtcdError::Unreachable(text),
        _ => EtcdError::Rejected(text),
    }
}

fn classify_status(code: Code, message: &str, text: String) -> EtcdError {
    match code {
        Code::NotFound if message.contains("lease not found") => EtcdError::LeaseNotFound,
        Code::DeadlineExceeded => EtcdError::Timeout(text),
        Code::Unavailable
        | Code::Unknown
        | Code::Cancelled
        | Code::Aborted
        | Code::ResourceExhausted
        | Code::Internal => EtcdError::Unreachable(text),
        _ => EtcdError::Rejected(text),
    }
}
