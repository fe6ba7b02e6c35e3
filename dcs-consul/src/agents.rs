//! `Agents`: the Consul agents of the configuration, one shared HTTP client, and failover.
//!
//! rs-consul serves the KV writes and deletes and single-key reads. Its `Consul` struct does
//! not expose the session endpoints, and its `read_key` drops the `X-Consul-Index` header of a
//! 404 (which an empty cluster prefix returns, and which a blocking query needs), so sessions,
//! prefix reads and blocking queries are plain requests on the same HTTP client.

use crate::config::ConsulConfig;
use crate::error::{Failure, SetupError};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::Method;
use pg_ha_http::{HttpsClient, TlsClientConfig};
use rs_consul::Consul;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How long an idle pooled connection is kept.
const POOL_IDLE: Duration = Duration::from_secs(30);

/// One agent: its base URL and the rs-consul client for it (sharing the HTTP client).
pub(crate) struct Agent {
    /// `http(s)://host:port`, no trailing slash.
    pub(crate) base: String,
    /// The rs-consul client of this agent.
    pub(crate) consul: Consul,
}

/// A raw answer: status, `X-Consul-Index` and body.
#[derive(Debug)]
pub(crate) struct Reply {
    /// The HTTP status code.
    pub(crate) status: u16,
    /// The `X-Consul-Index` header, if present and numeric.
    pub(crate) index: Option<u64>,
    /// The body.
    pub(crate) body: Bytes,
}

impl Reply {
    /// The body as text (lossy).
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).trim().to_string()
    }

    /// `Err(Failure::Http)` unless the status is 200.
    pub(crate) fn ok(self) -> Result<Reply, Failure> {
        if self.status == 200 {
            Ok(self)
        } else {
            Err(Failure::Http {
                status: self.status,
                body: self.text(),
            })
        }
    }
}

/// The configured agents with failover.
pub(crate) struct Agents {
    list: Vec<Agent>,
    http: HttpsClient,
    token: Option<String>,
    /// The agent that answered last.
    current: AtomicUsize,
    /// Deadline of one attempt on one agent.
    pub(crate) timeout: Duration,
}

impl Agents {
    /// Checks the agent URLs, builds the TLS configuration and the shared HTTP client.
    pub(crate) fn new(config: &ConsulConfig) -> Result<Agents, SetupError> {
        if config.agents.is_empty() {
            return Err(SetupError::NoAgents);
        }
        let tls = config
            .tls
            .as_ref()
            .map(TlsClientConfig::from)
            .unwrap_or_default();
        let tls = pg_ha_http::client_config(&tls).map_err(|e| SetupError::Tls(e.to_string()))?;
        let http: HttpsClient = pg_ha_http::https_client(tls, POOL_IDLE);
        let list = config
            .agents
            .iter()
            .map(|url| agent(url, config.token.clone(), &http))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Agents {
            list,
            http,
            token: config.token.clone(),
            current: AtomicUsize::new(0),
            timeout: config.request_timeout,
        })
    }

    /// Runs `op` on the agent that answered last; on a retryable failure, on each other agent
    /// in turn. Each attempt is bounded by the request timeout.
    pub(crate) async fn call<'a, T, F, Fut>(&'a self, op: F) -> Result<T, Failure>
    where
        F: Fn(&'a Agent) -> Fut,
        Fut: Future<Output = Result<T, Failure>> + 'a,
    {
        self.call_within(self.timeout, op).await
    }

    /// [`Agents::call`] with another per-attempt deadline (blocking queries).
    pub(crate) async fn call_within<'a, T, F, Fut>(
        &'a self,
        timeout: Duration,
        op: F,
    ) -> Result<T, Failure>
    where
        F: Fn(&'a Agent) -> Fut,
        Fut: Future<Output = Result<T, Failure>> + 'a,
    {
        let start = self.current.load(Ordering::Relaxed);
        let mut last = None;
        for step in 0..self.list.len() {
            let i = (start + step) % self.list.len();
            let agent = &self.list[i];
            let result = match tokio::time::timeout(timeout, op(agent)).await {
                Ok(result) => result,
                Err(_) => Err(Failure::Timeout(timeout)),
            };
            match result {
                Err(e) if e.is_retryable() => {
                    tracing::debug!(agent = %agent.base, "consul call failed, trying the next agent: {e}");
                    last = Some(e);
                }
                other => {
                    self.current.store(i, Ordering::Relaxed);
                    return other;
                }
            }
        }
        Err(last.unwrap_or_else(|| Failure::Transport("no agent".into())))
    }

    /// A plain request to `agent`: `path_and_query` starts with `/v1/`.
    pub(crate) async fn request(
        &self,
        agent: &Agent,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Reply, Failure> {
        let body = BoxBody::new(Full::new(Bytes::from(body.unwrap_or_default())));
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path_and_query}", agent.base));
        if let Some(token) = &self.token {
            request = request.header("X-Consul-Token", token);
        }
        let request = request
            .body(body)
            .map_err(|e| Failure::Invalid(e.to_string()))?;
        let response = self
            .http
            .request(request)
            .await
            .map_err(|e| Failure::Transport(e.to_string()))?;
        let status = response.status().as_u16();
        let index = response
            .headers()
            .get("x-consul-index")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| Failure::Transport(e.to_string()))?
            .to_bytes();
        Ok(Reply {
            status,
            index,
            body,
        })
    }
}

fn agent(url: &str, token: Option<String>, http: &HttpsClient) -> Result<Agent, SetupError> {
    let base = url.trim_end_matches('/').to_string();
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(SetupError::BadAgent(url.to_string()));
    }
    let config = rs_consul::Config {
        address: base.clone(),
        token,
        ..Default::default()
    };
    let consul = rs_consul::ConsulBuilder::new(config)
        .with_https_client(http.clone())
        .build();
    Ok(Agent { base, consul })
}
