//! `Session`: what every command works with: the configuration, the DCS client of the cluster
//! (consistent reads, no lease, no watch) and requests to the members' REST APIs at their
//! `api_url` with the path swapped, as patronictl sends them.

use super::CtlError;
use crate::config::AgentConfig;
use crate::http::{self, HttpClient, Request, Response};
use pg_ha_core::model::{Cluster, Member};
use pg_ha_core::{Dcs, DcsExt};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// How long one REST request may take unless the command says otherwise.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The configuration, the DCS and REST credentials of one `pg-ha-ctl` run.
pub struct Session {
    config: AgentConfig,
    dcs: Arc<dyn Dcs>,
    auth: Option<String>,
    client: HttpClient,
}

impl Session {
    /// Connects to the DCS named by `config` for `cluster` (default: the configured
    /// `scope`). Basic auth comes from `ctl.authentication`, else `restapi.authentication`.
    pub fn open(mut config: AgentConfig, cluster: Option<&str>) -> Result<Session, CtlError> {
        if let Some(cluster) = cluster {
            config.scope = cluster.to_string();
        }
        let retry_timeout = config.bootstrap_dynamic().retry_timeout;
        let dcs = crate::dcs_backend::connect(&config, retry_timeout)
            .map_err(|e| CtlError::Config(format!("cannot set up the DCS client: {e}")))?;
        Session::with_dcs(config, dcs)
    }

    /// A session over an existing DCS client (for embedding and tests). TLS towards the
    /// REST APIs comes from the `ctl` section, else the `restapi` one
    /// ([`http::member_tls`]); a TLS file that cannot be read is an error.
    pub fn with_dcs(config: AgentConfig, dcs: Arc<dyn Dcs>) -> Result<Session, CtlError> {
        let auth = config
            .ctl
            .authentication
            .as_ref()
            .or(config.restapi.authentication.as_ref())
            .map(|a| format!("{}:{}", a.username, a.password));
        let client = http::member_client(&config)
            .map_err(|e| CtlError::Config(format!("cannot set up the REST client: {e}")))?;
        Ok(Session {
            config,
            dcs,
            auth,
            client,
        })
    }

    /// The cluster name.
    pub fn scope(&self) -> &str {
        &self.config.scope
    }

    /// The configuration.
    pub fn config(&self) -> &AgentConfig {
        &self.config
    }

    /// The DCS client.
    pub fn dcs(&self) -> &dyn Dcs {
        self.dcs.as_ref()
    }

    /// One consistent read of the cluster.
    pub async fn cluster(&self) -> Result<Cluster, CtlError> {
        Ok(self.dcs.load().await?)
    }

    /// `method path` on `member`'s REST API with an optional JSON `body`.
    pub async fn request(
        &self,
        member: &Member,
        method: &str,
        path: &str,
        body: Option<&Value>,
        timeout: Duration,
    ) -> Result<Response, CtlError> {
        let api_url = api_url(member)?;
        self.request_url(&http::with_path(api_url, path), method, body, timeout)
            .await
    }

    /// `method url` with an optional JSON `body` and the session's basic auth.
    pub async fn request_url(
        &self,
        url: &str,
        method: &str,
        body: Option<&Value>,
        timeout: Duration,
    ) -> Result<Response, CtlError> {
        let body = body.map(Value::to_string);
        let response = self
            .client
            .send(Request {
                method,
                url,
                body: body.as_deref(),
                basic_auth: self.auth.as_deref(),
                timeout,
            })
            .await?;
        Ok(response)
    }
}

/// The member's `api_url`, or an error naming the member.
pub fn api_url(member: &Member) -> Result<&str, CtlError> {
    member
        .data
        .api_url
        .as_deref()
        .filter(|u| !u.is_empty())
        .ok_or_else(|| CtlError::failed(format!("member {} has no api_url", member.name)))
}

/// The member named `name`, or an error naming the cluster.
pub fn find_member<'a>(
    cluster: &'a Cluster,
    scope: &str,
    name: &str,
) -> Result<&'a Member, CtlError> {
    cluster
        .member(name)
        .ok_or_else(|| CtlError::failed(format!("{name} is not a member of cluster {scope}")))
}
