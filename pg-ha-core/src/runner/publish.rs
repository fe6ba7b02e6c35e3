//! Publish: the member key, after the actions, as `decide::publication` says on the state
//! they left (a node that just stopped its primary must not publish the role it had).

use super::{ActionOutcome, Runner};
use crate::config::HaConfig;
use crate::dcs::Dcs;
use crate::decide::{publication, Observation, PgView, Publication};
use crate::peers::Peers;
use crate::postgres::Postgres;

impl<D: Dcs + ?Sized, P: Postgres + ?Sized, N: Peers + ?Sized> Runner<D, P, N> {
    /// Writes or refreshes the member key as [`publication`] decides for `obs` (the cycle's
    /// observation, with the PostgreSQL status the actions left) and the facts now, unless
    /// an action found the DCS silent in this cycle (another retry_timeout spent on it would
    /// delay the next one).
    pub(super) async fn publish_member(
        &mut self,
        mut obs: Observation,
        cfg: &HaConfig,
        executed: &[ActionOutcome],
    ) {
        if self.dcs_down_since.is_some() || dcs_went_silent(executed) {
            return;
        }
        obs.facts = self.facts.clone();
        obs.now = self.clock.now();
        let Some(publication) = publication(&obs, cfg) else {
            return;
        };
        let data = publication.data();
        let Ok(value) = serde_json::to_string(data) else {
            return;
        };
        let (name, ttl) = (&self.node.name, self.dynamic.ttl);
        let result = match &publication {
            Publication::Write(_) => self.dcs.touch_member(name, &value, ttl).await,
            Publication::Refresh(_) => self.dcs.refresh_member(name, &value, ttl).await,
        };
        match result {
            Ok(()) => self.facts.published_member = Some((data.clone(), obs.now)),
            Err(e) => {
                tracing::warn!(node = %self.node.name, "could not publish the member key: {e}")
            }
        }
    }

    /// Reads PostgreSQL's status again after actions changed it, for the member key and the
    /// REST view.
    pub(super) async fn refresh_last_pg(&mut self, obs: &mut Observation) {
        if let Ok(status) = self.pg.status().await {
            obs.pg = PgView::Known(status.clone());
            self.last_pg = Some(status);
        }
    }
}

/// An action of this cycle failed because the DCS did not answer.
fn dcs_went_silent(executed: &[ActionOutcome]) -> bool {
    executed
        .iter()
        .any(|o| matches!(&o.result, Err(super::ActionError::Dcs(e)) if e.is_retryable()))
}
