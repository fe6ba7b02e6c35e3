//! The leader lease as this node sees it: its budget and deadline, DCS calls bounded by it,
//! the write fence armed after each renewal, and the watchdog kept alive or disarmed.

use super::{ActionError, Runner};
use crate::config::clean_demotion_lead;
use crate::dcs::{Dcs, DcsError};
use crate::peers::Peers;
use crate::postgres::{Postgres, WriteFence};
use crate::time::Mono;
use std::time::Duration;

impl<D: Dcs + ?Sized, P: Postgres + ?Sized, N: Peers + ?Sized> Runner<D, P, N> {
    /// True while this node holds a lease that is valid by its own clock (renewed, or
    /// confirmed through failsafe).
    pub fn holds_valid_lease(&self) -> bool {
        self.facts
            .lease_deadline(&self.dynamic)
            .is_some_and(|deadline| self.clock.now() < deadline)
    }

    /// The write fence after the lease was confirmed at `at`: the lease deadline, or none
    /// in pause, where the primary keeps running whatever happens to the DCS (as Patroni).
    pub(super) fn fence_after(&self, at: Mono) -> Option<WriteFence> {
        (!self.dynamic.pause).then(|| WriteFence::new(at + self.lease_budget(), self.dynamic.ttl))
    }

    pub(super) fn lease_budget(&self) -> Duration {
        self.dynamic.lease_budget()
    }

    /// How long a DCS call may run while this node holds a lease: until the moment it must
    /// stop cleanly if the DCS stays silent (the lease deadline less
    /// [`clean_demotion_lead`]), so that this decision is taken on time; from then until the
    /// deadline, no time at all (only an answer at hand counts). `None` (the backend's own
    /// retry_timeout applies) without a lease or once the deadline has passed.
    pub(super) fn dcs_call_limit(&self) -> Option<Duration> {
        let deadline = self.facts.lease_deadline(&self.dynamic)?;
        let clean_at = deadline - clean_demotion_lead(self.dynamic.ttl);
        let now = self.clock.now();
        (now < deadline).then(|| clean_at.since(now))
    }

    /// Runs a DCS call within [`Runner::dcs_call_limit`]; one cut short is a timeout.
    pub(super) async fn bounded<T>(
        &self,
        call: impl std::future::Future<Output = Result<T, DcsError>>,
    ) -> Result<T, DcsError> {
        let Some(limit) = self.dcs_call_limit() else {
            return call.await;
        };
        let call = std::pin::pin!(call);
        match futures_util::future::select(call, self.clock.sleep(limit)).await {
            futures_util::future::Either::Left((result, _)) => result,
            futures_util::future::Either::Right(_) => Err(DcsError::Timeout(format!(
                "no answer within {limit:?}, when this leader must stop cleanly"
            ))),
        }
    }

    /// When the lease was really extended by a renewal sent at `sent`: earlier, when the
    /// backend skipped the keep-alive of a lease that was still fresh.
    pub(super) async fn extended_at(&self, sent: Mono) -> Mono {
        let now = self.clock.now();
        dated(sent, now, self.dcs.lease_extended_ago().await)
    }

    pub(super) async fn lease_result(
        &mut self,
        held: bool,
        sent: Mono,
        lost: &str,
    ) -> Result<(), ActionError> {
        if !held {
            self.facts.lease_renewed_at = None;
            return Err(ActionError::NotApplied(lost.to_string()));
        }
        self.facts.lease_renewed_at = Some(sent);
        tracing::debug!(node = %self.node.name, "leader lease renewed");
        self.pg.arm_write_fence(self.fence_after(sent)).await?;
        self.keep_watchdog_alive()
    }

    /// After the lease was taken or renewed: keeps the watchdog alive (disarms it in
    /// pause). A required watchdog that cannot be armed stops the actions after this one
    /// (a promotion) unless PostgreSQL already runs as primary, where it is only logged.
    pub(super) fn keep_watchdog_alive(&mut self) -> Result<(), ActionError> {
        let Some(watchdog) = self.watchdog.clone() else {
            return Ok(());
        };
        if self.dynamic.pause {
            watchdog.disable();
            return Ok(());
        }
        match watchdog.keepalive(self.dynamic.ttl, self.dynamic.loop_wait) {
            Ok(()) => {
                self.facts.watchdog_failed = false;
                Ok(())
            }
            Err(e) => {
                self.facts.watchdog_failed = true;
                let primary = self
                    .last_pg
                    .as_ref()
                    .is_some_and(|s| s.is_running_primary());
                if primary {
                    tracing::error!(node = %self.node.name, "watchdog: {e}");
                    Ok(())
                } else {
                    Err(ActionError::Refused(format!(
                        "the required watchdog cannot be armed: {e}"
                    )))
                }
            }
        }
    }

    /// Disarms the watchdog unless this node runs the primary under a valid lease outside
    /// pause: a demoted, stopped or paused node must not be reset.
    pub(super) fn disarm_watchdog_unless_leading(&self) {
        let Some(watchdog) = &self.watchdog else {
            return;
        };
        let primary = self
            .last_pg
            .as_ref()
            .is_some_and(|s| s.is_running_primary());
        let leading = self.holds_valid_lease();
        if !(primary && leading && !self.dynamic.pause) {
            watchdog.disable();
        }
    }
}

/// When a renewal sent at `sent` really extended the lease, given that the backend reported
/// at `now` that it was extended `ago` (never later than `sent`).
fn dated(sent: Mono, now: Mono, ago: Option<Duration>) -> Mono {
    ago.map_or(sent, |ago| sent.min(now - ago))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_renewal_that_skipped_the_keep_alive_is_dated_back_to_it() {
        let at = |secs| Mono::ZERO + Duration::from_secs(secs);
        // Sent at 10 s, answered at 11 s: the lease was extended 4 s before the answer.
        assert_eq!(dated(at(10), at(11), Some(Duration::from_secs(4))), at(7));
        // Extended by this very renewal: the send time, never later.
        assert_eq!(dated(at(10), at(11), Some(Duration::ZERO)), at(10));
        assert_eq!(dated(at(10), at(11), None), at(10));
    }
}
