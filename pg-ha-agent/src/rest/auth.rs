//! Access checks of the mutating endpoints, in Patroni's order: allowlist (403), client
//! certificate (403), basic auth (401 with `WWW-Authenticate`).

use super::allowlist::Network;
use super::{NodeView, Reply, Req, RestSettings};
use base64::Engine;
use pg_ha_core::model::url_host_port;

/// What the checks need, prepared once at start.
#[derive(Debug, Clone, Default)]
pub(crate) struct Access {
    /// The resolved allowlist.
    pub allowlist: Vec<Network>,
    /// Add the members' IPs.
    pub include_members: bool,
    /// Clients must have presented a certificate.
    pub require_cert: bool,
    /// `base64(user:password)` when basic auth is on.
    pub auth_key: Option<String>,
}

impl Access {
    /// From the settings and the resolved allowlist.
    pub(crate) fn new(settings: &RestSettings, allowlist: Vec<Network>) -> Access {
        Access {
            allowlist,
            include_members: settings.allowlist_include_members,
            require_cert: settings.asks_client_cert(),
            auth_key: settings.authentication.as_ref().map(|c| {
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", c.username, c.password))
            }),
        }
    }

    /// `Err` with the reply when `req` may not call a mutating endpoint.
    /// `check_members`: false for `POST /failsafe` (Patroni skips the members' IPs there).
    pub(crate) fn check(
        &self,
        req: &Req,
        view: &NodeView,
        check_members: bool,
    ) -> Result<(), Reply> {
        let mut allowed = self.allowlist.clone();
        if self.include_members && check_members {
            allowed.extend(member_networks(view));
        }
        if !allowed.is_empty() && !allowed.iter().any(|n| n.contains(req.peer)) {
            return Err(Reply::text(403, "Access is denied"));
        }
        if self.require_cert && !req.client_cert {
            return Err(Reply::text(403, "client certificate required"));
        }
        self.check_basic_auth(req)
    }

    fn check_basic_auth(&self, req: &Req) -> Result<(), Reply> {
        let Some(key) = &self.auth_key else {
            return Ok(());
        };
        let reason = match req.authorization.as_deref() {
            None => "no auth header received",
            Some(header) => match header.strip_prefix("Basic ") {
                Some(given) if constant_time_eq(given.as_bytes(), key.as_bytes()) => return Ok(()),
                _ => "not authenticated",
            },
        };
        Err(Reply::text(401, reason).with_header("WWW-Authenticate", "Basic realm=\"Patroni\""))
    }
}

/// The IPs in the members' `api_url` and `conn_url` (host names are not resolved).
fn member_networks(view: &NodeView) -> Vec<Network> {
    let Some(cluster) = &view.cluster else {
        return Vec::new();
    };
    cluster
        .members
        .iter()
        .flat_map(|m| [m.data.api_url.as_deref(), m.data.conn_url.as_deref()])
        .flatten()
        .filter_map(url_host_port)
        .filter_map(|(host, _)| host.parse().ok().map(Network::host))
        .collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
