//! Connection options derived from [`EtcdConfig`]: authentication, TLS, keep-alives.

use crate::config::{EtcdConfig, TlsPaths};
use crate::error::SetupError;
use etcd_client::{Certificate, ConnectOptions, Identity, TlsOptions};
use std::path::Path;
use std::time::Duration;

/// HTTP/2 ping interval while a watch or keep-alive stream is open. etcd's default
/// `--grpc-keepalive-min-time` is 5 s; pinging more often gets the connection closed.
const PING_INTERVAL: Duration = Duration::from_secs(10);

/// Everything needed to build the client of one endpoint.
#[derive(Debug, Clone)]
pub(crate) struct ConnectSettings {
    base: ConnectOptions,
    tls: TlsOptions,
}

impl ConnectSettings {
    /// Checks the configuration and reads the TLS files.
    pub(crate) fn from_config(config: &EtcdConfig) -> Result<ConnectSettings, SetupError> {
        let mut base = ConnectOptions::new()
            .with_require_leader(true)
            .with_connect_timeout(config.request_timeout)
            .with_keep_alive(
                PING_INTERVAL,
                config.request_timeout.max(Duration::from_secs(1)),
            )
            .with_keep_alive_while_idle(false);
        match (&config.username, &config.password) {
            (Some(user), Some(password)) => {
                base = base
                    .with_user(user.clone(), password.clone())
                    .with_auto_token_refresh(true);
            }
            (None, None) => {}
            _ => return Err(SetupError::IncompleteAuth),
        }
        let tls = tls_options(config.tls.as_ref())?;
        Ok(ConnectSettings { base, tls })
    }

    /// The options for the endpoint `url`: TLS only for `https` URLs.
    pub(crate) fn for_url(&self, url: &str) -> ConnectOptions {
        if url.starts_with("https://") {
            self.base.clone().with_tls(self.tls.clone())
        } else {
            self.base.clone()
        }
    }
}

fn tls_options(paths: Option<&TlsPaths>) -> Result<TlsOptions, SetupError> {
    let Some(paths) = paths else {
        return Ok(TlsOptions::new().with_native_roots());
    };
    let mut tls = TlsOptions::new();
    tls = match &paths.ca {
        Some(ca) => tls.ca_certificate(Certificate::from_pem(read(ca, "CA certificate")?)),
        None => tls.with_native_roots(),
    };
    if let (Some(cert), Some(key)) = (&paths.cert, &paths.key) {
        let cert = read(cert, "client certificate")?;
        let key = read(key, "client key")?;
        tls = tls.identity(Identity::from_pem(cert, key));
    }
    Ok(tls)
}

fn read(path: &Path, what: &'static str) -> Result<Vec<u8>, SetupError> {
    std::fs::read(path).map_err(|source| SetupError::ReadTlsFile {
        what,
        path: path.to_path_buf(),
        source,
    })
}
