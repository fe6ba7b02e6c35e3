//! failsafe_mode: a primary that cannot reach the DCS asks every member to confirm it and,
//! when all do, extends its write fence from the time it asked. Whether and whom to ask is
//! `decide::failsafe_round` / `decide::failsafe_targets`; this file only sends and extends.

use super::Runner;
use crate::dcs::Dcs;
use crate::decide::{failsafe_round, failsafe_targets, DcsView, Observation};
use crate::model::Cluster;
use crate::peers::{FailsafeNotice, Peers};
use crate::postgres::Postgres;
use crate::time::Mono;

impl<D: Dcs + ?Sized, P: Postgres + ?Sized, N: Peers + ?Sized> Runner<D, P, N> {
    /// On a primary that cannot reach the DCS with failsafe_mode on: sends every member of
    /// the last known failsafe map a notice and, when all accepted, records the time the
    /// notices were sent and extends the write fence from it. (Not the start of the cycle:
    /// the failed DCS read before it can take retry_timeout, and a fence anchored there
    /// would fire before the next cycle could extend it.)
    pub(super) async fn observe_failsafe(&self, obs: &mut Observation) {
        if !matches!(
            obs.dcs,
            DcsView::Unreachable {
                last_known: Some(_),
                ..
            }
        ) {
            obs.facts.failsafe_confirmed_at = None;
        }
        let Some(cluster) = failsafe_round(obs).cloned() else {
            return;
        };
        if let Some(sent) = self.confirm_failsafe(&cluster).await {
            obs.facts.failsafe_confirmed_at = Some(sent);
        }
    }

    /// With failsafe_mode on: sends every member of `cluster`'s failsafe map a notice; when
    /// all accepted, extends the write fence from the time the notices were sent and returns
    /// that time.
    pub(super) async fn confirm_failsafe(&self, cluster: &Cluster) -> Option<Mono> {
        let targets = failsafe_targets(cluster, &self.config())?;
        let notice = FailsafeNotice {
            name: self.node.name.clone(),
            conn_url: self.node.conn_url.clone(),
            api_url: self.node.api_url.clone(),
        };
        let sent = self.clock.now();
        for member in targets {
            self.peers.failsafe(member, &notice).await.ok()?;
        }
        if let Err(e) = self.pg.arm_write_fence(self.fence_after(sent)).await {
            tracing::warn!(node = %self.node.name, "could not extend the write fence: {e}");
        }
        if let Some(watchdog) = &self.watchdog {
            if let Err(e) = watchdog.keepalive(self.dynamic.ttl, self.dynamic.loop_wait) {
                tracing::error!(node = %self.node.name, "watchdog: {e}");
            }
        }
        Some(sent)
    }

    /// Confirms failsafe with the members of the last cluster read, outside the DCS read:
    /// after a lease renewal the DCS did not answer (rather than at the next cycle's slow,
    /// failing read, which could come after the fence deadline), and at the start of every
    /// cycle while failsafe holds.
    pub(super) async fn refresh_failsafe(&mut self) {
        let Some(cluster) = self.last_cluster.clone() else {
            return;
        };
        if let Some(sent) = self.confirm_failsafe(&cluster).await {
            self.facts.failsafe_confirmed_at = Some(sent);
        }
    }
}
