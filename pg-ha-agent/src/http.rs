//! The agent's use of pg-ha's HTTP client ([`pg_ha_http`]): which TLS material a node and
//! `pg-ha-ctl` use towards the members' REST APIs, Patroni's User-Agent, and a plain `send`
//! for tools and tests.

use crate::config::AgentConfig;
use pg_ha_core::member_report::PATRONI_COMPAT_VERSION;
use std::sync::OnceLock;

pub use pg_ha_http::{
    split_url, with_path, HttpClient, HttpError, Request, Response, TlsClientConfig,
};

/// The User-Agent of every request: Patroni's form (`Patroni/<version>`), naming pg-ha.
pub fn user_agent() -> String {
    format!(
        "Patroni/{PATRONI_COMPAT_VERSION} pg-ha/{}",
        env!("CARGO_PKG_VERSION")
    )
}

/// The TLS material for requests to the members' REST APIs, picked as Patroni picks it: the
/// `ctl` section's `cacert` / `certfile` / `keyfile` first, else the `restapi` section's
/// `cafile` / `certfile` / `keyfile` (so that a node presents its own certificate to peers
/// that verify clients); `ctl.insecure` skips server verification.
pub fn member_tls(cfg: &AgentConfig) -> TlsClientConfig {
    let (ctl, rest) = (&cfg.ctl, &cfg.restapi);
    let cert = ctl.certfile.clone().or_else(|| rest.certfile.clone());
    let key = match &ctl.certfile {
        Some(_) => ctl.keyfile.clone(),
        None => ctl.keyfile.clone().or_else(|| rest.keyfile.clone()),
    };
    TlsClientConfig {
        ca: ctl.cacert.clone().or_else(|| rest.cafile.clone()),
        cert,
        key,
        insecure: ctl.insecure,
        any_name: false,
    }
}

/// A client for the members' REST APIs configured from `cfg` ([`member_tls`]).
pub fn member_client(cfg: &AgentConfig) -> Result<HttpClient, HttpError> {
    HttpClient::new(&member_tls(cfg), &user_agent())
}

/// Sends `request` with a client that trusts the webpki roots and presents no certificate
/// (plain http; tools and tests).
pub async fn send(request: Request<'_>) -> Result<Response, HttpError> {
    static PLAIN: OnceLock<Result<HttpClient, String>> = OnceLock::new();
    let client = PLAIN.get_or_init(|| {
        HttpClient::new(&TlsClientConfig::default(), &user_agent()).map_err(|e| e.to_string())
    });
    match client {
        Ok(client) => client.send(request).await,
        Err(e) => Err(HttpError::Tls(e.clone())),
    }
}
