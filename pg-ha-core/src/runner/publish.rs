//! Publish: keep this node's member key current, rewriting it only when it changed and
//! otherwise refreshing it about every loop_wait.

use super::Runner;
use crate::dcs::Dcs;
use crate::member_report::member_data;
use crate::peers::Peers;
use crate::postgres::Postgres;
use crate::time::Mono;

impl<D: Dcs + ?Sized, P: Postgres + ?Sized, N: Peers + ?Sized> Runner<D, P, N> {
    /// Writes the member key when its value changed or it is missing from the last read, and
    /// otherwise refreshes it (and the node's lease) about every loop_wait; backends that can
    /// refresh without rewriting keep watchers on other nodes quiet.
    pub(super) async fn publish_member(&mut self, pg_changed: bool) {
        if self.dcs_down_since.is_some() {
            return;
        }
        if pg_changed {
            // What the actions changed, for the member key and the REST view alike.
            if let Ok(status) = self.pg.status().await {
                self.last_pg = Some(status);
            }
        }
        let pg = self.last_pg.clone();
        let cfg = self.config();
        let mut data = member_data(&cfg, pg.as_ref(), self.last_cluster.as_ref());
        data.scheduled_restart = self.scheduled_restart.clone();
        let Ok(value) = serde_json::to_string(&data) else {
            return;
        };
        let now = self.clock.now();
        let ttl = self.dynamic.ttl;
        let name = &self.node.name;
        let result = match self.member_publication(&value, now) {
            MemberPublication::Write => self.dcs.touch_member(name, &value, ttl).await,
            MemberPublication::Refresh => self.dcs.refresh_member(name, &value, ttl).await,
            MemberPublication::Skip => return,
        };
        match result {
            Ok(()) => self.last_published = Some((value, now)),
            Err(e) => {
                tracing::warn!(node = %self.node.name, "could not publish the member key: {e}")
            }
        }
    }

    /// Write when the value changed or the key is missing from the last read; otherwise
    /// refresh (keep the key and lease alive) about every loop_wait.
    fn member_publication(&self, value: &str, now: Mono) -> MemberPublication {
        let listed = self
            .last_cluster
            .as_ref()
            .is_some_and(|c| c.member(&self.node.name).is_some());
        let refresh = self.dynamic.loop_wait.mul_f64(0.9);
        match &self.last_published {
            Some((last, _)) if !listed || last != value => MemberPublication::Write,
            Some((_, at)) if now.since(*at) >= refresh => MemberPublication::Refresh,
            Some(_) => MemberPublication::Skip,
            None => MemberPublication::Write,
        }
    }
}

/// What to do with the member key this cycle.
enum MemberPublication {
    /// Write the (changed or missing) value.
    Write,
    /// Keep the unchanged key and the node's lease alive.
    Refresh,
    /// Nothing is due.
    Skip,
}
