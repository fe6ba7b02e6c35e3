//! The node's Consul session, as Patroni creates it (`Name=<scope>-<name>`, `Behavior=delete`:
//! the leader and member keys vanish with it, `LockDelay=0.001s`: no 15 s lock-delay after an
//! expiry, `Checks=<checks>`, default none: TTL only), except for its TTL. Consul documents
//! its session TTL only as a lower bound: it invalidates a session between one and two TTLs
//! after the last renewal. Patroni's `TTL=ttl/2` can therefore drop the leader key at ttl/2,
//! before the write fence (ttl minus the safety margin) stops the old primary. Here the TTL is
//! the fence budget itself ([`lease_budget`]), so the key outlives the fence; a silent node's
//! keys then live between that and twice that. The leader acquire renews the session first
//! (the session may date from the member key, long before).
//!
//! rs-consul has no public session API: create, renew and destroy are plain requests on the
//! shared HTTP client. A renewal that gets 404 means the session expired: it is forgotten
//! (the leadership is lost) and the next call that needs one creates a new one. If the agent
//! refuses the TTL as too short, its `SessionTTLMin` (from the error text) is adopted.

use crate::agents::Agents;
use crate::error::Failure;
use hyper::Method;
use pg_ha_core::config::lease_budget;
use serde::Deserialize;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Patroni's lock-delay: effectively none.
const LOCK_DELAY: &str = "0.001s";

/// The session state of one backend.
#[derive(Debug, Default)]
struct State {
    id: Option<String>,
    /// The ttl the session was created for.
    ttl: Duration,
    last_renewal: Option<Instant>,
    /// The agent's minimum session TTL, once learnt.
    ttl_min: Option<Duration>,
}

/// The session manager of one backend.
pub(crate) struct Sessions {
    name_prefix: String,
    checks: Vec<String>,
    dc_query: String,
    state: Mutex<State>,
}

/// What a session is needed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// Use the session, renewing it only if a renewal is due (touch_member).
    Use,
    /// Renew it now, or create one if it expired (acquire: the key must last the fence
    /// budget from now).
    Fresh,
    /// Renew it now (renew_leader); an expired session is not replaced.
    Renew,
}

#[derive(Deserialize)]
struct Created {
    #[serde(rename = "ID")]
    id: String,
}

impl Sessions {
    /// A manager for sessions named `<scope>-<node>`, bound to `checks`.
    pub(crate) fn new(scope: &str, checks: Vec<String>, dc: Option<&str>) -> Sessions {
        Sessions {
            name_prefix: format!("{scope}-"),
            checks,
            dc_query: dc.map(|dc| format!("?dc={dc}")).unwrap_or_default(),
            state: Mutex::new(State::default()),
        }
    }

    /// The session id for node `name` with `ttl`: renewed if due (or now, for
    /// [`Need::Renew`]), created if there is none or the ttl changed. `None` only for
    /// [`Need::Renew`] when the session expired (the leadership is lost).
    pub(crate) async fn session(
        &self,
        agents: &Agents,
        name: &str,
        ttl: Duration,
        need: Need,
    ) -> Result<Option<String>, Failure> {
        let mut state = self.state.lock().await;
        if state.id.is_some() && state.ttl != ttl {
            tracing::info!(from = ?state.ttl, to = ?ttl, "ttl changed: creating a new Consul session");
            state.id = None;
        }
        if let Some(id) = state.id.clone() {
            let due = match state.last_renewal {
                Some(at) => at.elapsed() >= renew_interval(ttl),
                None => true,
            };
            if need != Need::Use || due {
                if self.renew(agents, &id).await? {
                    state.last_renewal = Some(Instant::now());
                    return Ok(Some(id));
                }
                tracing::warn!(session = %id, "Consul session expired: its leader and member keys are gone");
                state.id = None;
                if need == Need::Renew {
                    return Ok(None);
                }
            } else {
                return Ok(Some(id));
            }
        }
        let id = self.create(agents, &mut state, name, ttl).await?;
        Ok(Some(id))
    }

    /// Forgets the session (after Consul said it is invalid).
    pub(crate) async fn forget(&self, id: &str) {
        let mut state = self.state.lock().await;
        if state.id.as_deref() == Some(id) {
            state.id = None;
        }
    }

    /// The current session id, if any (no request).
    pub(crate) async fn current(&self) -> Option<String> {
        self.state.lock().await.id.clone()
    }

    /// Destroys the current session (its keys are deleted with it).
    pub(crate) async fn destroy(&self, agents: &Agents) -> Result<(), Failure> {
        let mut state = self.state.lock().await;
        let Some(id) = state.id.take() else {
            return Ok(());
        };
        let path = format!("/v1/session/destroy/{id}{}", self.dc_query);
        agents
            .call(|a| agents.request(a, Method::PUT, &path, None))
            .await?
            .ok()?;
        Ok(())
    }

    async fn renew(&self, agents: &Agents, id: &str) -> Result<bool, Failure> {
        let path = format!("/v1/session/renew/{id}{}", self.dc_query);
        let reply = agents
            .call(|a| agents.request(a, Method::PUT, &path, None))
            .await?;
        if reply.status == 404 {
            return Ok(false);
        }
        reply.ok()?;
        Ok(true)
    }

    async fn create(
        &self,
        agents: &Agents,
        state: &mut State,
        name: &str,
        ttl: Duration,
    ) -> Result<String, Failure> {
        let mut session_ttl = lease_budget(ttl).max(state.ttl_min.unwrap_or_default());
        let id = match self.try_create(agents, name, session_ttl).await {
            Err(e) if e.session_ttl_min().is_some() && state.ttl_min.is_none() => {
                let min = e.session_ttl_min().unwrap_or(session_ttl);
                tracing::warn!(
                    requested = ?session_ttl,
                    adopted = ?min,
                    "the Consul agent refuses session TTLs below its SessionTTLMin: keys will \
                     outlive a silent node by up to 2x {min:?}"
                );
                state.ttl_min = Some(min);
                session_ttl = session_ttl.max(min);
                self.try_create(agents, name, session_ttl).await?
            }
            other => other?,
        };
        tracing::info!(session = %id, ttl = ?session_ttl, "Consul session created");
        state.id = Some(id.clone());
        state.ttl = ttl;
        state.last_renewal = Some(Instant::now());
        Ok(id)
    }

    async fn try_create(
        &self,
        agents: &Agents,
        name: &str,
        ttl: Duration,
    ) -> Result<String, Failure> {
        let body = serde_json::json!({
            "Name": format!("{}{name}", self.name_prefix),
            "TTL": format!("{}ms", ttl.as_millis().max(1)),
            "Behavior": "delete",
            "LockDelay": LOCK_DELAY,
            "Checks": self.checks,
        });
        let path = format!("/v1/session/create{}", self.dc_query);
        let body = body.to_string().into_bytes();
        let reply = agents
            .call(|a| agents.request(a, Method::PUT, &path, Some(body.clone())))
            .await?
            .ok()?;
        let created: Created = serde_json::from_slice(&reply.body)
            .map_err(|e| Failure::Invalid(format!("session/create: {e}")))?;
        Ok(created.id)
    }
}

/// How often `touch_member` renews: a quarter of the ttl (the session lives at least the
/// fence budget, ttl minus the safety margin, after the last renewal).
fn renew_interval(ttl: Duration) -> Duration {
    ttl / 4
}
