//! `Connect`: everything needed to open a ZooKeeper session (hosts, auth, TLS), checked once.

use crate::config::{TlsPaths, ZooKeeperConfig};
use crate::error::SetupError;
use std::path::Path;
use std::time::Duration;
use zookeeper_client::{Client, TlsOptions};

/// The validated connection settings of one backend.
#[derive(Clone)]
pub(crate) struct Connect {
    hosts: String,
    auth: Vec<(String, Vec<u8>)>,
    tls: Option<TlsOptions>,
}

impl Connect {
    /// Checks the configuration and reads the TLS files.
    pub(crate) fn from_config(config: &ZooKeeperConfig) -> Result<Connect, SetupError> {
        if config.hosts.iter().all(|h| h.trim().is_empty()) {
            return Err(SetupError::NoHosts);
        }
        let auth = config
            .auth
            .iter()
            .map(|a| (a.scheme.clone(), a.credential.clone().into_bytes()))
            .collect();
        let tls = config.tls.as_ref().map(tls_options).transpose()?;
        Ok(Connect {
            hosts: config.connect_string(),
            auth,
            tls,
        })
    }

    /// Opens a new session asking for `timeout`; fails fast when no server answers.
    pub(crate) async fn open(&self, timeout: Duration) -> Result<Client, zookeeper_client::Error> {
        let mut connector = Client::connector()
            .with_session_timeout(timeout)
            .with_fail_eagerly();
        for (scheme, credential) in &self.auth {
            connector = connector.with_auth(scheme, credential);
        }
        match &self.tls {
            Some(tls) => {
                connector
                    .with_tls(tls.clone())
                    .secure_connect(&self.hosts)
                    .await
            }
            None => connector.connect(&self.hosts).await,
        }
    }
}

fn tls_options(paths: &TlsPaths) -> Result<TlsOptions, SetupError> {
    crate::crypto::ensure_default_provider();
    let bad = |e: zookeeper_client::Error| SetupError::BadTls(e.to_string());
    let mut tls = TlsOptions::new();
    if let Some(ca) = &paths.ca {
        tls = tls.with_pem_ca(&read(ca, "CA certificate")?).map_err(bad)?;
    }
    match (&paths.cert, &paths.key) {
        (Some(cert), Some(key)) => {
            let cert = read(cert, "client certificate")?;
            let key = read(key, "client key")?;
            tls = tls.with_pem_identity(&cert, &key).map_err(bad)?;
        }
        (None, None) => {}
        _ => return Err(SetupError::IncompleteIdentity),
    }
    Ok(tls)
}

fn read(path: &Path, what: &'static str) -> Result<String, SetupError> {
    std::fs::read_to_string(path).map_err(|source| SetupError::ReadTlsFile {
        what,
        path: path.to_path_buf(),
        source,
    })
}
