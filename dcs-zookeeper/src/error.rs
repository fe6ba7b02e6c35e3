//! Errors: setup errors, and the classification of ZooKeeper failures into [`DcsError`].

use pg_ha_core::DcsError;
use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;
use zookeeper_client::Error as ZkError;

/// Why [`crate::ZooKeeperDcs::new`] refused a configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The configuration lists no server.
    #[error("no ZooKeeper host configured")]
    NoHosts,
    /// A client certificate without a key, or the reverse.
    #[error("ZooKeeper TLS needs both `cert` and `key`")]
    IncompleteIdentity,
    /// A TLS file could not be read.
    #[error("cannot read ZooKeeper TLS {what} `{path}`: {source}")]
    ReadTlsFile {
        /// Which file (CA, certificate, key).
        what: &'static str,
        /// Its path.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// The TLS material was read but the client refused it.
    #[error("invalid ZooKeeper TLS material: {0}")]
    BadTls(String),
}

/// Maps a zookeeper-client error to a [`DcsError`] that says whether a retry may help.
pub(crate) fn classify(e: ZkError) -> DcsError {
    let text = format!("zookeeper: {e}");
    match e {
        ZkError::Timeout => DcsError::Timeout(text),
        ZkError::ConnectionLoss
        | ZkError::NoHosts
        | ZkError::SessionExpired
        | ZkError::SessionMoved
        | ZkError::ClientClosed
        | ZkError::Throttled
        | ZkError::NotReadOnly => DcsError::Unreachable(text),
        _ => DcsError::Rejected(text),
    }
}

/// `?` support: `result.zk()?` classifies a zookeeper-client error.
pub(crate) trait ZkResultExt<T> {
    /// The value, or the classified error.
    fn zk(self) -> Result<T, DcsError>;
}

impl<T> ZkResultExt<T> for Result<T, ZkError> {
    fn zk(self) -> Result<T, DcsError> {
        self.map_err(classify)
    }
}

/// Runs `op` with a deadline; an elapsed deadline is a [`DcsError::Timeout`] naming `what`.
pub(crate) async fn bounded<T>(
    deadline: Duration,
    what: &str,
    op: impl Future<Output = Result<T, DcsError>>,
) -> Result<T, DcsError> {
    match tokio::time::timeout(deadline, op).await {
        Ok(result) => result,
        Err(_) => Err(DcsError::Timeout(format!(
            "zookeeper: {what} did not finish within {deadline:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_problems_are_retryable() {
        assert!(classify(ZkError::ConnectionLoss).is_retryable());
        assert!(classify(ZkError::SessionExpired).is_retryable());
        assert!(matches!(classify(ZkError::Timeout), DcsError::Timeout(_)));
        assert!(!classify(ZkError::NoAuth).is_retryable());
        assert!(!classify(ZkError::BadVersion).is_retryable());
    }
}
