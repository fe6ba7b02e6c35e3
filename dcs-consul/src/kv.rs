//! KV primitives on rs-consul: put (plain, `cas`, `acquire`), delete (plain, `cas`, recursive)
//! and a consistent single-key read, each with agent failover.

use crate::agents::{Agent, Agents};
use crate::error::Failure;
use crate::paths::encode_key;
use hyper::Method;
use rs_consul::{ConsistencyMode, CreateOrUpdateKeyRequest, DeleteKeyRequest, ReadKeyRequest};

/// One stored key as a single-key read returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stored {
    /// The value (empty for Consul's `null`).
    pub(crate) value: String,
    /// `ModifyIndex`.
    pub(crate) index: u64,
    /// The session holding the key, if any.
    pub(crate) session: Option<String>,
}

/// How a put is conditioned.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Put<'a> {
    /// Unconditional.
    Plain,
    /// `?cas=<index>` (0: only if absent).
    Cas(u64),
    /// `?acquire=<session>`.
    Acquire(&'a str),
}

/// The KV calls of one backend.
pub(crate) struct Kv<'a> {
    pub(crate) agents: &'a Agents,
    pub(crate) dc: &'a str,
}

impl Kv<'_> {
    /// PUT `key`; Consul's `true`/`false`.
    pub(crate) async fn put(&self, key: &str, value: &str, put: Put<'_>) -> Result<bool, Failure> {
        let key = encode_key(key);
        self.agents
            .call(|agent| async {
                let request = CreateOrUpdateKeyRequest {
                    key: &key,
                    datacenter: self.dc,
                    check_and_set: match put {
                        Put::Cas(index) => Some(cas_index(index)?),
                        _ => None,
                    },
                    acquire: match put {
                        Put::Acquire(session) => session,
                        _ => "",
                    },
                    ..Default::default()
                };
                let (written, _) = agent
                    .consul
                    .create_or_update_key(request, value.as_bytes().to_vec())
                    .await?;
                Ok(written)
            })
            .await
    }

    /// DELETE one key, at `cas` if given (a plain request: rs-consul always sends
    /// `recurse=<bool>`, and Consul treats the mere presence of `recurse` as a tree delete).
    ///
    /// Consul answers `true` to a `cas` delete of a missing key: callers check existence.
    pub(crate) async fn delete(&self, key: &str, cas: Option<u64>) -> Result<bool, Failure> {
        let mut path = format!("/v1/kv/{}", encode_key(key));
        let mut params = Vec::new();
        if let Some(index) = cas {
            params.push(format!("cas={index}"));
        }
        if !self.dc.is_empty() {
            params.push(format!("dc={}", self.dc));
        }
        if !params.is_empty() {
            path.push('?');
            path.push_str(&params.join("&"));
        }
        let reply = self
            .agents
            .call(|a| self.agents.request(a, Method::DELETE, &path, None))
            .await?
            .ok()?;
        Ok(reply.text() == "true")
    }

    /// DELETE every key under `prefix` (rs-consul, `?recurse=true`).
    pub(crate) async fn delete_tree(&self, prefix: &str) -> Result<(), Failure> {
        let prefix = encode_key(prefix);
        self.agents
            .call(|agent: &Agent| async {
                let request = DeleteKeyRequest {
                    key: &prefix,
                    datacenter: self.dc,
                    recurse: true,
                    ..Default::default()
                };
                agent.consul.delete_key(request).await?;
                Ok(())
            })
            .await
    }

    /// A consistent read of one key; `None` if it does not exist. (rs-consul sends
    /// `recurse=false`, which Consul serves as a prefix list: the exact key is picked out.)
    pub(crate) async fn get(&self, key: &str) -> Result<Option<Stored>, Failure> {
        let encoded = encode_key(key);
        self.agents
            .call(|agent| async {
                let request = ReadKeyRequest {
                    key: &encoded,
                    datacenter: self.dc,
                    consistency: ConsistencyMode::Consistent,
                    ..Default::default()
                };
                match agent.consul.read_key(request).await.map_err(Failure::from) {
                    Ok(meta) => {
                        Ok(meta
                            .response
                            .into_iter()
                            .find(|r| r.key == key)
                            .map(|r| Stored {
                                value: r.value.unwrap_or_default(),
                                index: r.modify_index.max(0) as u64,
                                session: r.session.filter(|s| !s.is_empty()),
                            }))
                    }
                    Err(Failure::Http { status: 404, .. }) => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .await
    }
}

fn cas_index(index: u64) -> Result<i64, Failure> {
    i64::try_from(index).map_err(|_| Failure::Invalid(format!("cas index {index} out of range")))
}
