//! Reads of the whole cluster prefix (`GET /v1/kv/<prefix>?recurse`), plain or blocking.
//!
//! The snapshot revision is the `X-Consul-Index` of the list: the largest `ModifyIndex` of
//! the prefix's keys and tombstones, so deletions and session invalidations raise it too.
//! A 404 (empty prefix) still carries the header.

use crate::backend::ConsulDcs;
use crate::error::Failure;
use crate::paths::encode_key;
use base64::Engine;
use hyper::Method;
use pg_ha_core::model::{Entry, Snapshot};
use serde::Deserialize;
use std::time::Duration;

/// One element of Consul's KV list answer.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Listed {
    key: String,
    value: Option<String>,
    modify_index: u64,
    #[serde(default)]
    session: Option<String>,
}

/// A blocking query: wait for an index greater than `index`, at most `wait` server-side.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Blocking {
    pub(crate) index: u64,
    pub(crate) wait: Duration,
}

impl ConsulDcs {
    /// Lists the prefix with the configured consistency; with `blocking`, as a blocking query.
    pub(crate) async fn list(&self, blocking: Option<Blocking>) -> Result<Snapshot, Failure> {
        let path = self.list_path(blocking);
        let attempt = match blocking {
            // The server holds a blocking query up to wait + wait/16 (jitter).
            Some(b) => self.agents.timeout + b.wait + b.wait / 16,
            None => self.agents.timeout,
        };
        let reply = self
            .agents
            .call_within(attempt, |a| {
                self.agents.request(a, Method::GET, &path, None)
            })
            .await?;
        let index = reply.index.unwrap_or(0);
        if reply.status == 404 {
            return Ok(Snapshot {
                revision: index,
                entries: Vec::new(),
            });
        }
        let reply = reply.ok()?;
        let listed: Vec<Listed> = serde_json::from_slice(&reply.body)
            .map_err(|e| Failure::Invalid(format!("kv list: {e}")))?;
        let entries = listed.into_iter().filter_map(|l| self.entry(l)).collect();
        Ok(Snapshot {
            revision: index,
            entries,
        })
    }

    fn list_path(&self, blocking: Option<Blocking>) -> String {
        let mut path = format!("/v1/kv/{}?recurse=true", encode_key(self.paths.prefix()));
        if let Some(mode) = self.consistency.query() {
            path.push_str(&format!("&{mode}"));
        }
        if !self.dc.is_empty() {
            path.push_str(&format!("&dc={}", self.dc));
        }
        if let Some(b) = blocking {
            path.push_str(&format!("&index={}&wait={}ms", b.index, b.wait.as_millis()));
        }
        path
    }

    /// A snapshot entry; `None` for folder keys (ending in `/`) and keys outside the prefix.
    fn entry(&self, listed: Listed) -> Option<Entry> {
        let key = self.paths.relative(&listed.key)?;
        if key.is_empty() || key.ends_with('/') {
            return None;
        }
        let value = listed
            .value
            .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default();
        Some(Entry {
            key: key.to_string(),
            value,
            version: listed.modify_index,
            session: listed.session.filter(|s| !s.is_empty()),
        })
    }
}
