//! Errors of starting the REST server.

/// The server could not start.
#[derive(Debug, thiserror::Error)]
pub enum RestError {
    /// The listen address does not resolve.
    #[error("cannot resolve the REST API listen address {0}")]
    Resolve(String),
    /// Binding the socket failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The TLS material is unusable.
    #[error("REST API TLS: {0}")]
    Tls(String),
}
