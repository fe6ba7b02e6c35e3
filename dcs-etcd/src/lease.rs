//! The node's lease: one per client, granted on first use, kept alive on every renewal, and
//! granted anew when it expired or the ttl changed. The leader and member keys are attached
//! to it.

use crate::endpoints::Endpoints;
use crate::error::EtcdError;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// A granted lease.
#[derive(Debug, Clone, Copy)]
struct Lease {
    id: i64,
    /// The ttl asked for, in whole seconds.
    ttl: i64,
    /// When the last successful grant or keep-alive was sent.
    renewed: Instant,
}

/// The lease of one node.
#[derive(Debug, Default)]
pub(crate) struct NodeLease {
    state: Mutex<Option<Lease>>,
}

/// How long a lease of `ttl` stays fresh for the member key: a quarter of it. Member
/// refreshes within that time skip the keep-alive (the leader's renewal skips only within
/// the shorter [`pg_ha_core::config::leader_keep_alive_skip`]).
pub(crate) fn fresh_for(ttl: Duration) -> Duration {
    ttl / 4
}

/// `ttl` in whole seconds, rounded up, at least 1 (etcd may raise it to its minimum).
pub(crate) fn ttl_secs(ttl: Duration) -> i64 {
    let secs = ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0);
    i64::try_from(secs.max(1)).unwrap_or(i64::MAX)
}

impl NodeLease {
    /// The current lease id, if one was granted.
    pub(crate) async fn id(&self) -> Option<i64> {
        self.state.lock().await.map(|l| l.id)
    }

    /// How long ago the lease was last granted or kept alive (when that request was sent).
    pub(crate) async fn extended_ago(&self) -> Option<Duration> {
        self.state.lock().await.map(|l| l.renewed.elapsed())
    }

    /// Keeps the lease alive (or grants one) so it lasts `ttl` from now; returns its id.
    pub(crate) async fn keep_alive(
        &self,
        eps: &Endpoints,
        ttl: Duration,
        deadline: Instant,
    ) -> Result<i64, EtcdError> {
        self.refresh(eps, ttl, Duration::ZERO, deadline).await
    }

    /// Like [`NodeLease::keep_alive`], but skips the round trip when the lease was renewed
    /// less than `fresh` ago with the same ttl.
    pub(crate) async fn refresh(
        &self,
        eps: &Endpoints,
        ttl: Duration,
        fresh: Duration,
        deadline: Instant,
    ) -> Result<i64, EtcdError> {
        let ttl = ttl_secs(ttl);
        let mut state = self.state.lock().await;
        if let Some(lease) = *state {
            if let Some(renewed) = renew_existing(eps, lease, ttl, fresh, deadline).await? {
                *state = Some(renewed);
                return Ok(renewed.id);
            }
        }
        *state = None;
        let sent = Instant::now();
        let id = grant(eps, ttl, deadline).await?;
        *state = Some(Lease {
            id,
            ttl,
            renewed: sent,
        });
        Ok(id)
    }

    /// Forgets lease `id` after etcd reported it missing, so the next call grants a new one.
    pub(crate) async fn forget(&self, id: i64) {
        let mut state = self.state.lock().await;
        if state.is_some_and(|l| l.id == id) {
            *state = None;
        }
    }
}

/// Renews `lease` unless it is still fresh; `None` when a new lease is needed (the ttl
/// changed or the lease is gone).
async fn renew_existing(
    eps: &Endpoints,
    lease: Lease,
    ttl: i64,
    fresh: Duration,
    deadline: Instant,
) -> Result<Option<Lease>, EtcdError> {
    if lease.ttl != ttl {
        tracing::info!(
            lease = lease.id,
            old = lease.ttl,
            new = ttl,
            "ttl changed; granting a new etcd lease"
        );
        return Ok(None);
    }
    if lease.renewed.elapsed() < fresh {
        return Ok(Some(lease));
    }
    let sent = Instant::now();
    match keep_alive_once(eps, lease.id, deadline).await {
        Ok(()) => Ok(Some(Lease {
            renewed: sent,
            ..lease
        })),
        Err(EtcdError::LeaseNotFound) => {
            tracing::warn!(lease = lease.id, "etcd lease expired; granting a new one");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

async fn grant(eps: &Endpoints, ttl: i64, deadline: Instant) -> Result<i64, EtcdError> {
    let resp = eps
        .call("lease grant", deadline, |mut c| async move {
            c.lease_grant(ttl, None).await
        })
        .await?;
    if !resp.error().is_empty() {
        return Err(EtcdError::Rejected(format!(
            "lease grant: {}",
            resp.error()
        )));
    }
    tracing::debug!(lease = resp.id(), ttl = resp.ttl(), "granted etcd lease");
    Ok(resp.id())
}

/// One keep-alive round trip; `LeaseNotFound` if the lease is gone.
async fn keep_alive_once(eps: &Endpoints, id: i64, deadline: Instant) -> Result<(), EtcdError> {
    eps.call("lease keep-alive", deadline, |mut c| async move {
        // etcd-client waits for the first answer and fails if the lease is gone.
        let (_keeper, _stream) = c.lease_keep_alive(id).await?;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_rounds_up() {
        assert_eq!(ttl_secs(Duration::from_millis(0)), 1);
        assert_eq!(ttl_secs(Duration::from_millis(1500)), 2);
        assert_eq!(ttl_secs(Duration::from_secs(30)), 30);
    }
}
