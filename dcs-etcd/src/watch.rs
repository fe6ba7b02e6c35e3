//! Waiting for a change under the cluster prefix: a watch from a known revision, so no change
//! is missed, re-created on another endpoint when the stream breaks. The watch stays open
//! between waits (an idle cluster then costs no requests at all) and is reused by the next
//! wait whose revision it covers.

use crate::backend::EtcdDcs;
use crate::error::EtcdError;
use crate::snapshot::revision;
use etcd_client::{Event, WatchOptions, WatchResponse, WatchStream};
use std::time::Duration;

/// First pause before watching again after a failure; doubled up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// Longest pause between two watch attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// What one watch response means for a waiter that saw revision `after`.
fn outcome(resp: &WatchResponse, after: u64) -> Result<Option<u64>, EtcdError> {
    let current = resp.header().map_or(0, |h| revision(h.revision()));
    if resp.canceled() {
        if resp.compact_revision() > 0 {
            // The history after `after` is compacted away: something changed, report now.
            let compacted = revision(resp.compact_revision());
            return Ok(Some(current.max(compacted).max(after.saturating_add(1))));
        }
        let reason = resp.cancel_reason();
        if reason.contains("permission denied") {
            return Err(EtcdError::Rejected(format!(
                "etcd watch canceled: {reason}"
            )));
        }
        return Err(EtcdError::Unreachable(format!(
            "etcd watch canceled: {reason}"
        )));
    }
    let newest = resp
        .events()
        .iter()
        .filter_map(|event| event.kv())
        .map(|kv| revision(kv.mod_revision()))
        .filter(|rev| *rev > after)
        .max();
    Ok(newest.map(|rev| rev.max(current)))
}

/// The most events kept for the read cache between two recent reads; past it they are
/// dropped and the cache is read again in full.
const MAX_PENDING: usize = 10_000;

/// The watch kept open between waits.
pub(crate) struct OpenWatch {
    pub(crate) stream: WatchStream,
    /// The first revision the stream reports.
    pub(crate) from: u64,
    /// The endpoint it runs on.
    endpoint: usize,
    /// The newest event revision read from it so far.
    pub(crate) seen: u64,
    /// Events read but not yet applied to the read cache.
    events: Vec<Event>,
    /// More than [`MAX_PENDING`] events arrived: some were dropped.
    overflowed: bool,
}

impl OpenWatch {
    fn new(stream: WatchStream, from: u64, endpoint: usize) -> OpenWatch {
        OpenWatch {
            stream,
            from,
            endpoint,
            seen: 0,
            events: Vec::new(),
            overflowed: false,
        }
    }

    /// Accounts for the events of `resp` in `seen`, and keeps them for the read cache.
    pub(crate) fn note(&mut self, resp: &WatchResponse) {
        let newest = resp
            .events()
            .iter()
            .filter_map(|event| event.kv())
            .map(|kv| revision(kv.mod_revision()))
            .max();
        self.seen = self.seen.max(newest.unwrap_or(0));
        if self.events.len() + resp.events().len() > MAX_PENDING {
            self.events.clear();
            self.overflowed = true;
        } else {
            self.events.extend_from_slice(resp.events());
        }
    }

    /// The events kept since the last call, and whether some had to be dropped.
    pub(crate) fn take_events(&mut self) -> (Vec<Event>, bool) {
        let overflowed = std::mem::take(&mut self.overflowed);
        (std::mem::take(&mut self.events), overflowed)
    }
}

impl EtcdDcs {
    /// Waits for a change under the prefix after revision `after`; retries across reconnects
    /// and endpoint switches until a change arrives or etcd refuses the watch.
    pub(crate) async fn wait_change(&self, after: u64) -> Result<u64, EtcdError> {
        let mut slot = self.watch.lock().await;
        let mut backoff = FIRST_BACKOFF;
        loop {
            let idx = self.endpoints.current();
            let error = match self.next_change(&mut slot, idx, after).await {
                Ok(rev) => return Ok(rev),
                Err(e) if !e.is_retryable() => return Err(e),
                Err(e) => e,
            };
            tracing::warn!(endpoint = self.endpoints.url(idx), error = %error, after, "etcd watch failed; watching again");
            self.endpoints.fail_over(idx, &error);
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// The next change after `after` on the open watch, opening one on endpoint `idx` from
    /// `after + 1` unless the open one covers that revision. A failed or canceled watch is
    /// dropped.
    async fn next_change(
        &self,
        slot: &mut Option<OpenWatch>,
        idx: usize,
        after: u64,
    ) -> Result<u64, EtcdError> {
        let covers = |w: &OpenWatch| w.endpoint == idx && w.from <= after.saturating_add(1);
        if !slot.as_ref().is_some_and(covers) {
            *slot = None;
            let stream = self.open_watch(idx, after).await?;
            *slot = Some(OpenWatch::new(stream, after.saturating_add(1), idx));
        }
        let Some(watch) = slot.as_mut() else {
            return Err(EtcdError::Unreachable("etcd watch not open".into()));
        };
        if watch.seen > after {
            return Ok(watch.seen);
        }
        let result = read_change(watch, after).await;
        match result {
            Ok((rev, canceled)) => {
                if canceled {
                    *slot = None;
                }
                Ok(rev)
            }
            Err(e) => {
                *slot = None;
                Err(e)
            }
        }
    }

    async fn open_watch(&self, idx: usize, after: u64) -> Result<WatchStream, EtcdError> {
        let start = i64::try_from(after.saturating_add(1)).unwrap_or(i64::MAX);
        let options = WatchOptions::new().with_prefix().with_start_revision(start);
        let prefix = self.paths.prefix().to_string();
        let timeout = self.endpoints.request_timeout();
        let open = async {
            let mut client = self.endpoints.client(idx).await?;
            client
                .watch(prefix, Some(options))
                .await
                .map_err(EtcdError::from)
        };
        tokio::time::timeout(timeout, open).await.map_err(|_| {
            EtcdError::Timeout(format!("etcd watch not established within {timeout:?}"))
        })?
    }
}

/// Reads the watch until it reports a change after `after`; returns that revision and
/// whether the watch was canceled (compacted history) and must be dropped. Cancel safe:
/// every message read is accounted for in `seen`, so a later wait learns of it.
async fn read_change(watch: &mut OpenWatch, after: u64) -> Result<(u64, bool), EtcdError> {
    loop {
        let Some(resp) = watch.stream.message().await? else {
            return Err(EtcdError::Unreachable("etcd watch stream closed".into()));
        };
        watch.note(&resp);
        if let Some(rev) = outcome(&resp, after)? {
            return Ok((rev, resp.canceled()));
        }
    }
}
