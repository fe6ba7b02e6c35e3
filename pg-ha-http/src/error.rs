//! `HttpError`: why a request or the client's set-up failed.

/// A failed HTTP exchange or client set-up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The URL is not `http(s)://host:port/path`.
    #[error("unsupported URL `{0}` (expected http(s)://host:port/path)")]
    BadUrl(String),
    /// A TLS file cannot be read or used.
    #[error("TLS: {0}")]
    Tls(String),
    /// Connecting, sending or receiving failed.
    #[error("HTTP request to {url} failed: {reason}")]
    Io {
        /// The URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// No complete answer within the timeout.
    #[error("HTTP request to {0} timed out")]
    Timeout(String),
}
