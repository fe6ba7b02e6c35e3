//! Publish: carry out the member key publication `decide` asked for, after the actions.

use super::{ActionOutcome, Runner};
use crate::dcs::Dcs;
use crate::decide::{Decision, Publication};
use crate::peers::Peers;
use crate::postgres::Postgres;

impl<D: Dcs + ?Sized, P: Postgres + ?Sized, N: Peers + ?Sized> Runner<D, P, N> {
    /// Writes or refreshes the member key as the decision says, unless an action found the
    /// DCS silent in this cycle (another retry_timeout spent on it would delay the next one).
    pub(super) async fn publish_member(&mut self, decision: &Decision, executed: &[ActionOutcome]) {
        let Some(publication) = &decision.publication else {
            return;
        };
        if self.dcs_down_since.is_some() || dcs_went_silent(executed) {
            return;
        }
        let data = publication.data();
        let Ok(value) = serde_json::to_string(data) else {
            return;
        };
        let (name, ttl) = (&self.node.name, self.dynamic.ttl);
        let sent = self.clock.now();
        let result = match publication {
            Publication::Write(_) => self.dcs.touch_member(name, &value, ttl).await,
            Publication::Refresh(_) => self.dcs.refresh_member(name, &value, ttl).await,
        };
        match result {
            Ok(()) => self.facts.published_member = Some((data.clone(), sent)),
            Err(e) => {
                tracing::warn!(node = %self.node.name, "could not publish the member key: {e}")
            }
        }
    }

    /// Reads PostgreSQL's status again after actions changed it, for the REST view.
    pub(super) async fn refresh_last_pg(&mut self) {
        if let Ok(status) = self.pg.status().await {
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
