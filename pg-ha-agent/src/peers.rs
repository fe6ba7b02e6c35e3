//! `HttpPeers`: asks other agents about themselves over their REST API (`GET /patroni`,
//! `POST /failsafe`), with Patroni's 2 s timeout and no retry.

use crate::http::{self, HttpClient, Request};
use async_trait::async_trait;
use pg_ha_core::lsn::Lsn;
use pg_ha_core::model::{Member, Tags};
use pg_ha_core::peers::{FailsafeNotice, PeerStatus, Peers};
use serde_json::Value;
use std::time::Duration;

/// Peers reached through their `api_url` (http or https).
#[derive(Debug, Clone)]
pub struct HttpPeers {
    timeout: Duration,
    basic_auth: Option<String>,
    client: Option<HttpClient>,
}

impl HttpPeers {
    /// Peers asked with `timeout` per request; `basic_auth` (`user:password`) for POSTs.
    /// Plain http (or https trusting the webpki roots) until [`HttpPeers::with_client`].
    pub fn new(timeout: Duration, basic_auth: Option<String>) -> HttpPeers {
        HttpPeers {
            timeout,
            basic_auth,
            client: None,
        }
    }

    /// The same peers asked through `client` (the node's TLS material:
    /// [`crate::http::member_client`]).
    pub fn with_client(mut self, client: HttpClient) -> HttpPeers {
        self.client = Some(client);
        self
    }

    async fn send(&self, request: Request<'_>) -> Result<http::Response, String> {
        let result = match &self.client {
            Some(client) => client.send(request).await,
            None => http::send(request).await,
        };
        result.map_err(|e| e.to_string())
    }
}

impl Default for HttpPeers {
    fn default() -> Self {
        HttpPeers::new(Duration::from_secs(2), None)
    }
}

#[async_trait]
impl Peers for HttpPeers {
    async fn status(&self, member: &Member) -> Result<PeerStatus, String> {
        let url = member.data.api_url.as_deref().ok_or("no api_url")?;
        let request = Request {
            method: "GET",
            url,
            body: None,
            basic_auth: None,
            timeout: self.timeout,
        };
        let response = self.send(request).await?;
        let body: Value = serde_json::from_str(&response.body).map_err(|e| e.to_string())?;
        parse_status(&body).ok_or_else(|| "the status JSON has no xlog".to_string())
    }

    async fn failsafe(&self, member: &Member, notice: &FailsafeNotice) -> Result<(), String> {
        let api = member.data.api_url.as_deref().ok_or("no api_url")?;
        let url = http::with_path(api, "/failsafe");
        let body = serde_json::json!({"name": notice.name, "conn_url": notice.conn_url, "api_url": notice.api_url, "slots": {}}).to_string();
        let request = Request {
            method: "POST",
            url: &url,
            body: Some(&body),
            basic_auth: self.basic_auth.as_deref(),
            timeout: self.timeout,
        };
        let response = self.send(request).await?;
        if response.status == 200 {
            Ok(())
        } else {
            Err(format!("{} {}", response.status, response.body))
        }
    }
}

/// Reads what peers parse from Patroni's status JSON (spec 3.2): `role`, `xlog` (or `wal`),
/// `tags`, `timeline`, `watchdog_failed`. A missing `xlog` counts as unreachable (`None`).
pub fn parse_status(body: &Value) -> Option<PeerStatus> {
    let xlog = body.get("xlog").or_else(|| body.get("wal"))?;
    let role = body.get("role").and_then(Value::as_str).unwrap_or("");
    let location = xlog.get("location").and_then(Value::as_u64);
    let received = xlog.get("received_location").and_then(Value::as_u64);
    let replayed = xlog.get("replayed_location").and_then(Value::as_u64);
    let is_primary = location.is_some() || matches!(role, "primary" | "master");
    let wal_position = location.or(received.max(replayed)).map(Lsn);
    let tags: Tags = body
        .get("tags")
        .and_then(|t| serde_json::from_value(t.clone()).ok())
        .unwrap_or_default();
    Some(PeerStatus {
        is_primary,
        wal_position,
        timeline: body
            .get("timeline")
            .and_then(Value::as_u64)
            .map(|t| t as u32),
        failover_priority: tags.failover_priority(),
        watchdog_failed: body
            .get("watchdog_failed")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Value {
        let path = format!(
            "{}/../pg-ha-core/tests/fixtures/patroni/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text =
            std::fs::read_to_string(&path).expect("the Patroni samples are beside the project");
        serde_json::from_str(&text).expect("sample is JSON")
    }

    #[test]
    fn parses_a_real_patroni_primary_status() {
        let status = parse_status(&sample("rest-1-initial-leader-patroni.json")).expect("has xlog");
        assert!(status.is_primary);
        assert!(status.wal_position.is_some());
        assert_eq!(status.failover_priority, 1);
    }

    #[test]
    fn parses_a_real_patroni_replica_status() {
        let status =
            parse_status(&sample("rest-1-initial-replica-node1-patroni.json")).expect("has xlog");
        assert!(!status.is_primary);
        assert!(status.wal_position.is_some());
    }

    #[test]
    fn status_without_xlog_is_unreachable() {
        assert!(
            parse_status(&serde_json::json!({"state": "stopped", "role": "replica"})).is_none()
        );
    }

    #[test]
    fn nofailover_tag_gives_priority_zero() {
        let body = serde_json::json!({"role": "replica", "xlog": {"received_location": 5, "replayed_location": 7}, "tags": {"nofailover": true}});
        let status = parse_status(&body).expect("has xlog");
        assert_eq!(status.failover_priority, 0);
        assert_eq!(status.wal_position, Some(Lsn(7)));
    }
}
