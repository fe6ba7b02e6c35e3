//! An in-repo emulator of the Consul HTTP API, test code only: exactly the endpoints the
//! backend uses, with Consul's documented semantics. Served with axum on a free loopback
//! port; `restart` stops and starts it on the same port (keeping or losing its state).
//!
//! What it models, point by point (Consul docs: "Sessions", "KV Store" HTTP API, "Blocking
//! Queries", "Consistency Modes"; behaviour checked against Consul's state store):
//!
//! 1. **Sessions** (`PUT /v1/session/create`): body fields `Name`, `TTL`, `Behavior`
//!    (`release` default, or `delete`), `LockDelay` (default 15s; a Go duration string or a
//!    number of nanoseconds, values below 1000 read as seconds), `Checks` (absent = the
//!    default `serfHealth`, which always passes here; any other check id is refused with 500
//!    `Missing check '<id>' registration`). Answers `{"ID": "<uuid>"}`.
//! 2. **Session TTL**: a TTL outside `[SessionTTLMin, 24h]` is refused with 500
//!    `Invalid Session TTL '<ns>', must be between [<min>=24h0m0s]` (`SessionTTLMin` is 10s by
//!    default, configurable as on an agent). The server invalidates a TTL session when
//!    **2 x TTL** passes without a renewal ("the session may not be reaped for up to double
//!    this TTL": the leader's timer runs at TTL x `SessionTTLMultiplier` = 2).
//! 3. **Renew** (`PUT /v1/session/renew/<id>`): resets the timer, answers the session in a
//!    JSON array; 404 `Session id '<id>' not found` once it is gone. **Destroy**
//!    (`PUT /v1/session/destroy/<id>`): invalidates it, answers `true` (also for unknown ids).
//!    `GET /v1/session/info/<id>`: the session in an array, `[]` if unknown.
//! 4. **Invalidation** (expiry or destroy): every key the session holds is released
//!    (`Behavior=release`: `Session` cleared, `ModifyIndex` raised) or deleted
//!    (`Behavior=delete`, leaving a tombstone), in one raft index; and each such key gets a
//!    **lock-delay**: until `now + LockDelay`, `?acquire` on it answers `false`.
//! 5. **KV writes** (`PUT /v1/kv/<key>`): body = value (at most 512 KiB, else 413);
//!    `?cas=0` writes only if the key is absent, `?cas=<n>` only if its `ModifyIndex` is `n`;
//!    `?acquire=<session>` locks it (invalid session: 500 `invalid session "<id>"`; held by
//!    another session: `false`; held by the same session: value updated, `LockIndex` kept;
//!    else `LockIndex` + 1), `?release=<session>` unlocks it if that session holds it
//!    (`acquire` and `release` together: 400). Answers `true` or `false`. A write that changes
//!    nothing (same value, flags and session) keeps the `ModifyIndex`.
//! 6. **KV deletes** (`DELETE /v1/kv/<key>`): plain; `?cas=<n>` (answers `true` when the key
//!    is missing, as Consul's state store does); the mere presence of `?recurse` (even
//!    `recurse=false`) deletes the whole prefix. Every delete leaves a tombstone.
//! 7. **KV reads** (`GET /v1/kv/<key>`): the presence of `?recurse` lists the prefix; values
//!    base64, `null` when empty; 404 when nothing matches. `X-Consul-Index` on 200 and 404:
//!    for a list, the largest `ModifyIndex` of its keys and of the prefix's tombstones, or the
//!    whole KV table's index if that is 0; for one key, the KV table's index; at least 1.
//!    `?consistent` and `?stale` together: 400. `?dc=` another datacenter: 500
//!    `No path to datacenter`.
//! 8. **Blocking queries** (`?index=<n>&wait=<d>`): when `n > 0`, the answer waits until the
//!    query's index exceeds `n` or `wait` passes (default 5m, at most 10m, plus up to wait/16
//!    of jitter), then answers the current result with its index (which may equal `n`).
//! 9. **ACL**: with a token configured, a request without `X-Consul-Token` (or `?token=`)
//!    equal to it gets 403 `Permission denied`.
//! 10. **Restart**: a server restart keeps the raft state (KV, sessions, tombstones) and,
//!     as a newly elected leader does, restarts every session's TTL timer; a restart with
//!     lost state (a dev agent) starts empty with a fresh index. While stopped, connections
//!     are refused.
//!
//! Not modelled: other endpoints, multiple datacenters, namespaces/partitions, flags beyond
//! storing them, tombstone reaping (indexes never go back unless the state is lost), and
//! real health checks.
#![allow(dead_code)]

mod routes;
mod store;

pub(crate) use store::Store;

/// `Behavior::Delete`, for assertions outside the module.
pub(crate) fn store_behavior_delete() -> store::Behavior {
    store::Behavior::Delete
}

use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// Settings of an emulated agent.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Shortest session TTL accepted (Consul's `session_ttl_min`, 10s by default).
    pub(crate) session_ttl_min: Duration,
    /// The ACL token every request must carry, if any.
    pub(crate) token: Option<String>,
    /// The agent's datacenter.
    pub(crate) datacenter: String,
    /// Sessions are invalidated this many TTLs after their last renewal: 2 as a real
    /// server does, 1 for the earliest time Consul documents.
    pub(crate) ttl_multiplier: u32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            session_ttl_min: Duration::from_secs(10),
            token: None,
            datacenter: "dc1".to_string(),
            ttl_multiplier: 2,
        }
    }
}

/// A running emulated agent.
pub(crate) struct Emulator {
    address: SocketAddr,
    settings: Settings,
    store: Arc<Mutex<Store>>,
    server: Option<JoinHandle<()>>,
    reaper: Option<JoinHandle<()>>,
    connections: Arc<Mutex<JoinSet<()>>>,
}

impl Emulator {
    /// Starts an agent on a free loopback port.
    pub(crate) async fn start(settings: Settings) -> Emulator {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind emulator");
        let address = listener.local_addr().expect("emulator address");
        let store = Arc::new(Mutex::new(Store::new(1, settings.ttl_multiplier)));
        let mut emulator = Emulator {
            address,
            settings,
            store,
            server: None,
            reaper: None,
            connections: Arc::default(),
        };
        emulator.serve(listener);
        emulator
    }

    /// `http://127.0.0.1:<port>`.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The shared state (for assertions).
    pub(crate) fn store(&self) -> Arc<Mutex<Store>> {
        self.store.clone()
    }

    fn serve(&mut self, listener: TcpListener) {
        let app = routes::router(self.store.clone(), self.settings.clone());
        let connections = self.connections.clone();
        self.server = Some(tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let service = TowerToHyperService::new(app.clone());
                let connection = async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                };
                connections.lock().expect("connections").spawn(connection);
            }
        }));
        self.reaper = Some(tokio::spawn(store::reap(self.store.clone())));
    }

    /// Stops serving and drops every open connection: connections are refused until
    /// [`Emulator::start_again`].
    pub(crate) fn stop(&mut self) {
        for task in [self.server.take(), self.reaper.take()]
            .into_iter()
            .flatten()
        {
            task.abort();
        }
        self.connections.lock().expect("connections").abort_all();
    }

    /// Serves again on the same port; `keep_state` false starts empty (a dev agent).
    pub(crate) async fn start_again(&mut self, keep_state: bool) {
        self.stop();
        {
            let mut store = self.store.lock().expect("store");
            if keep_state {
                store.restart_timers();
            } else {
                *store = Store::new(store.raft_index / 2 + 1, store.ttl_multiplier);
            }
        }
        let listener = loop {
            match TcpListener::bind(self.address).await {
                Ok(listener) => break listener,
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        };
        self.serve(listener);
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}
