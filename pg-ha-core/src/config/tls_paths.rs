//! `TlsPaths`: the TLS files a DCS backend section names (`cacert`, `cert`, `key`).

use std::path::PathBuf;

/// TLS material for the connections to the DCS, as file paths (PEM).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsPaths {
    /// CA bundle that signs the servers' certificates (`cacert`); if `None`, the backend's
    /// default roots (etcd: the system's, Consul: webpki's).
    pub ca: Option<PathBuf>,
    /// Client certificate (`cert`); needs `key`.
    pub cert: Option<PathBuf>,
    /// Client private key (`key`, unencrypted PEM); needs `cert`.
    pub key: Option<PathBuf>,
}

impl TlsPaths {
    /// True when no file is named.
    pub fn is_empty(&self) -> bool {
        *self == TlsPaths::default()
    }
}
