//! The rustls crypto provider for TLS sessions.
//!
//! zookeeper-client builds its rustls config with the process-wide default provider. When a
//! program links two providers (zookeeper-client brings aws-lc-rs, the pg-ha agent ring),
//! rustls cannot choose one and panics; so before a TLS connection is set up, ring is
//! installed as the default unless the program already installed one.

/// Installs ring as the process's default rustls provider if there is none yet.
pub(crate) fn ensure_default_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing the race to another thread's install is fine: a default then exists.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}
