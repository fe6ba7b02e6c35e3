//! The process-wide rustls crypto provider.
//!
//! With the `zookeeper` feature, two rustls providers are linked (zookeeper-client brings
//! aws-lc-rs, the agent ring). Code that builds a rustls config without naming a provider
//! (zookeeper-client, tonic) then finds no unique default and panics, so every binary installs
//! ring first thing in `main`. A program that embeds pg-ha calls this too, or installs a
//! provider of its own.

/// Installs ring as the process's default rustls provider unless one is installed already.
pub fn install_default_provider() {
    use tokio_rustls::rustls::crypto::{ring, CryptoProvider};
    if CryptoProvider::get_default().is_none() {
        // Losing the race to another thread's install is fine: a default then exists.
        let _ = ring::default_provider().install_default();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn installs_a_default_once() {
        super::install_default_provider();
        super::install_default_provider();
        assert!(tokio_rustls::rustls::crypto::CryptoProvider::get_default().is_some());
    }
}
