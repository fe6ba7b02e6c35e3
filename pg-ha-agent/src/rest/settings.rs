//! `RestSettings`: how the server listens, secures and times its replies.

use crate::config::{Credentials, HostPort, RestApiConfig, ServerTokens, VerifyClient};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// TLS material (PEM files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// The server certificate chain.
    pub certfile: PathBuf,
    /// The private key; read from `certfile` when `None`.
    pub keyfile: Option<PathBuf>,
    /// CA certificates that client certificates must chain to.
    pub cafile: Option<PathBuf>,
    /// Client certificate policy.
    pub verify_client: VerifyClient,
}

/// The REST server's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct RestSettings {
    /// Where to listen; an empty host (or `*`) means all interfaces, port 0 any free port.
    pub listen: HostPort,
    /// Basic auth for the mutating endpoints.
    pub authentication: Option<Credentials>,
    /// HTTPS when set.
    pub tls: Option<TlsSettings>,
    /// Only these IPs or networks (CIDR, or host names resolved at start) may call the
    /// mutating endpoints; empty = anyone.
    pub allowlist: Vec<String>,
    /// Also allow the IPs of the cluster members' `api_url` and `conn_url`.
    pub allowlist_include_members: bool,
    /// Headers added to every reply.
    pub extra_headers: BTreeMap<String, String>,
    /// What the `Server` header says.
    pub server_tokens: ServerTokens,
    /// How often a switchover request polls the DCS for its result (Patroni: 1 s).
    pub switchover_poll_interval: Duration,
    /// How long it polls; `None` = Patroni's `2 * max(10, loop_wait)` seconds.
    pub switchover_timeout: Option<Duration>,
    /// The largest request body accepted.
    pub max_body_bytes: usize,
    /// Connections served at once (more wait).
    pub max_connections: usize,
    /// Time allowed for a TLS handshake and for a request's headers.
    pub request_timeout: Duration,
}

impl RestSettings {
    /// Plain HTTP on `listen` with Patroni's defaults.
    pub fn new(listen: HostPort) -> RestSettings {
        RestSettings {
            listen,
            authentication: None,
            tls: None,
            allowlist: Vec::new(),
            allowlist_include_members: false,
            extra_headers: BTreeMap::new(),
            server_tokens: ServerTokens::Original,
            switchover_poll_interval: Duration::from_secs(1),
            switchover_timeout: None,
            max_body_bytes: 1 << 20,
            max_connections: 64,
            request_timeout: Duration::from_secs(10),
        }
    }

    /// Loads the TLS material, if any, as the server would at start (`--validate-config`).
    pub fn check_tls(&self) -> Result<(), String> {
        match &self.tls {
            Some(tls) => super::tls::acceptor(tls)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            None => Ok(()),
        }
    }

    /// The settings of a `restapi` section.
    pub fn from_config(cfg: &RestApiConfig) -> RestSettings {
        let tls = cfg.certfile.as_ref().map(|certfile| TlsSettings {
            certfile: certfile.clone(),
            keyfile: cfg.keyfile.clone(),
            cafile: cfg.cafile.clone(),
            verify_client: cfg.verify_client,
        });
        let extra_headers = if tls.is_some() {
            cfg.https_extra_headers.clone()
        } else {
            cfg.http_extra_headers.clone()
        };
        RestSettings {
            authentication: cfg.authentication.clone(),
            tls,
            allowlist: cfg.allowlist.clone(),
            allowlist_include_members: cfg.allowlist_include_members,
            extra_headers,
            server_tokens: cfg.server_tokens,
            ..RestSettings::new(cfg.listen.clone())
        }
    }

    /// True when clients are asked for a certificate.
    pub(crate) fn asks_client_cert(&self) -> bool {
        self.tls
            .as_ref()
            .is_some_and(|t| t.verify_client != VerifyClient::None)
    }
}
