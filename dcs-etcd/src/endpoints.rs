//! The endpoint set: one lazily connected client per endpoint, a sticky current endpoint, and
//! [`Endpoints::call`], which runs one request under the request deadline and fails over to the
//! next endpoint when the current one does not answer.

use crate::error::EtcdError;
use crate::options::ConnectSettings;
use etcd_client::Client;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// First pause after every endpoint failed once; doubled up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(50);
/// Longest pause between two rounds over the endpoints.
const MAX_BACKOFF: Duration = Duration::from_millis(500);

/// One endpoint and its client, created on first use.
struct Slot {
    url: String,
    client: Mutex<Option<Client>>,
}

/// The endpoints of one etcd cluster, with failover.
pub(crate) struct Endpoints {
    slots: Vec<Slot>,
    current: AtomicUsize,
    settings: ConnectSettings,
    request_timeout: Duration,
}

impl Endpoints {
    /// An endpoint set over `urls` (not empty); nothing connects yet.
    pub(crate) fn new(
        urls: &[String],
        settings: ConnectSettings,
        request_timeout: Duration,
    ) -> Endpoints {
        let slots = urls
            .iter()
            .map(|url| Slot {
                url: url.clone(),
                client: Mutex::new(None),
            })
            .collect();
        Endpoints {
            slots,
            current: AtomicUsize::new(0),
            settings,
            request_timeout,
        }
    }

    /// The request timeout.
    pub(crate) fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// The deadline of a backend call starting now: every request it makes, failover and
    /// retries included, must finish by then.
    pub(crate) fn deadline(&self) -> Instant {
        Instant::now() + self.request_timeout
    }

    /// The index of the endpoint in use.
    pub(crate) fn current(&self) -> usize {
        self.current.load(Ordering::Acquire)
    }

    /// The URL of endpoint `idx`.
    pub(crate) fn url(&self, idx: usize) -> &str {
        self.slots.get(idx).map_or("", |s| s.url.as_str())
    }

    /// Moves to the next endpoint after `idx` failed; a no-op if a concurrent call already
    /// moved on.
    pub(crate) fn fail_over(&self, idx: usize, why: &EtcdError) {
        if self.slots.len() < 2 {
            return;
        }
        let next = (idx + 1) % self.slots.len();
        if self
            .current
            .compare_exchange(idx, next, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            tracing::warn!(
                from = self.url(idx),
                to = self.url(next),
                error = %why,
                "etcd endpoint failed; switching endpoint"
            );
        }
    }

    /// The client of endpoint `idx`, connecting (and authenticating) it on first use.
    pub(crate) async fn client(&self, idx: usize) -> Result<Client, EtcdError> {
        let slot = self
            .slots
            .get(idx)
            .ok_or_else(|| EtcdError::Rejected(format!("no etcd endpoint #{idx}")))?;
        let mut cached = slot.client.lock().await;
        if let Some(client) = cached.as_ref() {
            return Ok(client.clone());
        }
        let options = self.settings.for_url(&slot.url);
        let client = Client::connect([slot.url.as_str()], Some(options)).await?;
        *cached = Some(client.clone());
        Ok(client)
    }

    /// Runs `op` on the current endpoint's client until it succeeds, fails for good, or
    /// `deadline` passes. A retryable failure moves to the next endpoint; after a full
    /// round over all endpoints the call pauses briefly before the next round.
    pub(crate) async fn call<T, F, Fut>(
        &self,
        what: &str,
        deadline: Instant,
        mut op: F,
    ) -> Result<T, EtcdError>
    where
        F: FnMut(Client) -> Fut,
        Fut: Future<Output = Result<T, etcd_client::Error>>,
    {
        let mut round = Round::new(self.slots.len());
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(round.into_error(what, self.request_timeout));
            }
            let idx = self.current();
            let budget = round.budget(remaining);
            let error = match self.attempt(idx, budget, &mut op).await {
                Ok(value) => return Ok(value),
                Err(e) if !e.is_retryable() => return Err(e),
                Err(e) => e,
            };
            tracing::debug!(what, endpoint = self.url(idx), error = %error, "etcd request failed");
            self.fail_over(idx, &error);
            if let Some(pause) = round.failed(error) {
                let left = deadline.saturating_duration_since(Instant::now());
                tokio::time::sleep(pause.min(left)).await;
            }
        }
    }

    /// One try of `op` on endpoint `idx` within `budget`.
    async fn attempt<T, F, Fut>(
        &self,
        idx: usize,
        budget: Duration,
        op: &mut F,
    ) -> Result<T, EtcdError>
    where
        F: FnMut(Client) -> Fut,
        Fut: Future<Output = Result<T, etcd_client::Error>>,
    {
        let run = async {
            let client = self.client(idx).await?;
            op(client).await.map_err(EtcdError::from)
        };
        match tokio::time::timeout(budget, run).await {
            Ok(result) => result,
            Err(_) => Err(EtcdError::Timeout(format!(
                "no answer from {} within {budget:?}",
                self.url(idx)
            ))),
        }
    }
}

/// Book-keeping of one call's rounds over the endpoints.
struct Round {
    endpoints: usize,
    tried: usize,
    backoff: Duration,
    last: Option<EtcdError>,
}

impl Round {
    fn new(endpoints: usize) -> Round {
        Round {
            endpoints: endpoints.max(1),
            tried: 0,
            backoff: FIRST_BACKOFF,
            last: None,
        }
    }

    /// The time the next attempt may take: the remaining time shared by the endpoints not yet
    /// tried in this round, so one hung endpoint leaves time for the others.
    fn budget(&self, remaining: Duration) -> Duration {
        let left = u32::try_from(self.endpoints - self.tried)
            .unwrap_or(1)
            .max(1);
        remaining / left
    }

    /// Records a failed attempt; returns the pause to take when the round is complete.
    fn failed(&mut self, error: EtcdError) -> Option<Duration> {
        self.last = Some(error);
        self.tried += 1;
        if self.tried < self.endpoints {
            return None;
        }
        self.tried = 0;
        let pause = self.backoff;
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        Some(pause)
    }

    /// The error to report when the deadline has passed.
    fn into_error(self, what: &str, timeout: Duration) -> EtcdError {
        match self.last {
            Some(EtcdError::Unreachable(m)) => {
                EtcdError::Unreachable(format!("etcd {what} failed for {timeout:?}: {m}"))
            }
            Some(e) => EtcdError::Timeout(format!("etcd {what} failed for {timeout:?}: {e}")),
            None => EtcdError::Timeout(format!("etcd {what}: no answer within {timeout:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_shares_remaining_time() {
        let mut round = Round::new(3);
        assert_eq!(round.budget(Duration::from_secs(9)), Duration::from_secs(3));
        assert_eq!(round.failed(EtcdError::Unreachable("x".into())), None);
        assert_eq!(round.budget(Duration::from_secs(6)), Duration::from_secs(3));
        assert_eq!(round.failed(EtcdError::Unreachable("x".into())), None);
        assert_eq!(
            round.failed(EtcdError::Unreachable("x".into())),
            Some(FIRST_BACKOFF)
        );
        assert_eq!(round.budget(Duration::from_secs(3)), Duration::from_secs(1));
    }

    #[test]
    fn final_error_keeps_its_class() {
        let mut round = Round::new(1);
        round.failed(EtcdError::Unreachable("refused".into()));
        let e = round.into_error("read", Duration::from_secs(1));
        assert!(matches!(e, EtcdError::Unreachable(_)));
        let e = Round::new(2).into_error("read", Duration::from_secs(1));
        assert!(matches!(e, EtcdError::Timeout(_)));
    }
}
