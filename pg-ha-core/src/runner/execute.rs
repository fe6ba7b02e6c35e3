//! Execute: run a decision's actions in order against the DCS and PostgreSQL, stopping at
//! the first that fails, and record what the next decisions need to know.

use super::{ActionError, ActionOutcome, Runner};
use crate::dcs::Dcs;
use crate::decide::{Action, Decision};
use crate::model::{Condition, Key, Member};
use crate::peers::Peers;
use crate::postgres::{PgError, Postgres, Upstream};
use std::sync::Arc;

impl<D: Dcs + ?Sized, P: Postgres + ?Sized, N: Peers + ?Sized> Runner<D, P, N> {
    pub(super) async fn execute(&mut self, decision: &Decision) -> Vec<ActionOutcome> {
        let mut executed = Vec::new();
        for action in &decision.actions {
            let result = self.run(action).await;
            if let Err(e) = &result {
                tracing::warn!(node = %self.node.name, ?action, "action failed: {e}");
            }
            let failed = result.is_err() && action.stops_on_failure();
            executed.push(ActionOutcome {
                action: action.clone(),
                result,
            });
            if failed {
                break;
            }
        }
        executed
    }

    pub(super) async fn run(&mut self, action: &Action) -> Result<(), ActionError> {
        if matches!(
            action,
            Action::Promote { .. } | Action::StartPrimary | Action::WriteHistory(_)
        ) && !self.dynamic.pause
            && !self.holds_valid_lease()
        {
            // The decision was taken on a lease that has run out since, by this node's own
            // clock (the agent stalled between its renewal and this action): another node
            // may hold the key by now, and may have written its own history (seed 37647 of
            // --space full: a stale announcement overwrote it, and a later promotion reused
            // a timeline number).
            return Err(ActionError::NotApplied(
                "the lease ran out before this leader action".to_string(),
            ));
        }
        let ttl = self.dynamic.ttl;
        let name = self.node.name.clone();
        match action {
            Action::AttemptInitialize => self.write(Key::Initialize, "", Condition::Absent).await,
            Action::WriteInitialize { sysid } => {
                self.write(Key::Initialize, sysid, Condition::Any).await
            }
            Action::DeleteInitialize => self.delete(Key::Initialize, Condition::Any).await,
            Action::WriteConfig { value, condition } => {
                self.write(Key::Config, &value.to_string(), *condition)
                    .await
            }
            Action::AcquireLeader => {
                let sent = self.clock.now();
                let won = self.dcs.acquire_leader(&name, ttl).await?;
                self.lease_result(won, sent, "the leader key is held by another node")
                    .await
            }
            Action::RenewLeader => {
                let sent = self.clock.now();
                let held = match self.bounded(self.dcs.renew_leader(&name, ttl)).await {
                    Ok(held) => held,
                    Err(e) => {
                        if e.is_retryable() && self.facts.lease_renewed_at.is_some() {
                            // The DCS is not answering: do not spend another retry_timeout
                            // publishing the member key in this cycle.
                            self.dcs_down_since.get_or_insert(sent);
                            self.refresh_failsafe().await;
                        }
                        return Err(e.into());
                    }
                };
                let sent = self.extended_at(sent).await;
                self.lease_result(held, sent, "the leader key was lost")
                    .await
            }
            Action::ReleaseLeader => {
                self.facts.lease_renewed_at = None;
                self.facts.promotion_refused = false;
                self.dcs
                    .release_leader(&name)
                    .await
                    .map(|_| ())
                    .map_err(ActionError::from)
            }
            Action::ClearFailover { condition } => {
                self.write(Key::Failover, "{}", *condition).await
            }
            Action::WriteSync { state, condition } => {
                let value = serde_json::to_string(state)
                    .map_err(|e| ActionError::Refused(e.to_string()))?;
                self.write(Key::Sync, &value, *condition).await
            }
            Action::DeleteSync { condition } => self.delete(Key::Sync, *condition).await,
            Action::WriteHistory(history) => self.write_history(history).await,
            Action::WriteStatus(status) => {
                self.write_json(Key::Status, status, Condition::Any).await
            }
            Action::WriteFailsafe(map) => {
                let result = self.write_json(Key::Failsafe, map, Condition::Any).await;
                // The map in the DCS is now this one: a DCS outage before the next read must
                // send failsafe notices to every member in it, the newest included (it may
                // race for the key once the lease runs out). A write that failed may have
                // applied all the same (a lost reply): then notices go to the members of
                // both maps (seed 68770 of the simulator's full space: a member only in the
                // new map got no notice and promoted beside the primary).
                if let Some(cluster) = self.last_cluster.as_mut() {
                    let mut known = map.clone();
                    if result.is_err() {
                        let old = cluster.failsafe.take().unwrap_or_default();
                        known.0.extend(old.0);
                    }
                    cluster.failsafe = Some(known);
                }
                result
            }
            Action::ClearRequest => {
                self.facts.request = None;
                Ok(())
            }
            Action::ClearScheduledRestart => {
                self.facts.scheduled_restart = None;
                Ok(())
            }
            pg_action => self.run_pg(pg_action).await,
        }
    }

    pub(super) async fn run_pg(&mut self, action: &Action) -> Result<(), ActionError> {
        let pg = Arc::clone(&self.pg);
        let result = match action {
            Action::Bootstrap => pg.bootstrap().await.map(|_| ()),
            Action::CloneFrom { source } => pg.clone_replica(&self.upstream(source)?).await,
            Action::CloneFromRemote(remote) => pg.clone_replica(remote).await,
            Action::CloneWithoutLeader => pg.clone_without_leader().await,
            Action::StartStandbyOfRemote(remote) => pg.start_standby(Some(remote)).await,
            Action::FollowRemote(remote) => pg.follow(Some(remote)).await,
            Action::StartPrimary => pg.start_primary().await,
            Action::StartStandby { upstream } => {
                let up = upstream.as_deref().map(|u| self.upstream(u)).transpose()?;
                pg.start_standby(up.as_ref()).await
            }
            Action::Stop { mode } => pg.stop(*mode).await,
            Action::Promote { above_timeline } => pg.promote(*above_timeline).await,
            Action::Follow { upstream } => {
                let up = upstream.as_deref().map(|u| self.upstream(u)).transpose()?;
                pg.follow(up.as_ref()).await
            }
            Action::Rewind { source } => pg.rewind(&self.upstream(source)?).await,
            Action::Reinit { source } => pg.reinit(&self.upstream(source)?).await,
            Action::Restart => pg.restart().await,
            Action::CreateSlots(slots) => pg.create_slots(slots).await,
            Action::ApplyConfig(config) => pg.apply_config(config).await,
            Action::DropSlots(names) => pg.drop_slots(names).await,
            Action::CopyLogicalSlots { source, slots } => {
                pg.copy_logical_slots(&self.upstream(source)?, slots).await
            }
            Action::AdvanceSlots(slots) => pg.advance_slots(slots).await,
            Action::SetSyncStandbyNames(names) => {
                let result = pg.set_sync_standby_names(names).await;
                if result.is_ok() {
                    self.facts.sync_names_lsn = None;
                    self.facts.sync_names_pending = Some(names.clone());
                }
                result
            }
            other => {
                return Err(ActionError::Refused(format!(
                    "not a PostgreSQL action: {other:?}"
                )))
            }
        };
        self.record_pg_result(action, &result);
        result.map_err(ActionError::from)
    }

    pub(super) fn record_pg_result(&mut self, action: &Action, result: &Result<(), PgError>) {
        let ok = result.is_ok();
        match action {
            Action::Promote { .. } => {
                self.facts.promotion_refused = matches!(result, Err(PgError::Refused(_)));
            }
            Action::Bootstrap | Action::CloneFromRemote(_) => self.facts.bootstrap_failed = !ok,
            // A source that could not be reached is not a failed pg_rewind: tried again.
            Action::Rewind { .. } => {
                self.facts.rewind_failed = result
                    .as_ref()
                    .is_err_and(|e| !matches!(e, PgError::Unreachable(_)));
            }
            Action::Reinit { .. } if ok => self.facts.rewind_failed = false,
            Action::ApplyConfig(config) if ok => {
                self.facts.applied_postgresql = Some(config.clone());
            }
            _ => {}
        }
    }

    pub(super) fn upstream(&self, name: &str) -> Result<Upstream, ActionError> {
        let member: Option<&Member> = self.last_cluster.as_ref().and_then(|c| c.member(name));
        let conn_url = member
            .and_then(|m| m.data.conn_url.clone())
            .ok_or_else(|| ActionError::Refused(format!("member {name} has no conn_url")))?;
        Ok(Upstream::member(name, &conn_url))
    }

    pub(super) async fn write(
        &self,
        key: Key,
        value: &str,
        condition: Condition,
    ) -> Result<(), ActionError> {
        match self.dcs.write(key, value, condition).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err(ActionError::NotApplied(format!(
                "conditional write of `{}` did not apply",
                key.path()
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes the `history` key only if it is still as this step read it: a write that
    /// waits (a frozen machine, a slow network) until after another leader announced its
    /// promotion must not put back an older history, or a later promotion could reuse the
    /// other leader's timeline number (seed 123613 of `--space full`).
    async fn write_history(&self, history: &crate::model::History) -> Result<(), ActionError> {
        let read = self.last_cluster.as_ref().and_then(|c| c.history_version);
        let condition = read.map_or(Condition::Absent, Condition::Version);
        self.write_json(Key::History, history, condition).await
    }

    pub(super) async fn write_json<T: serde::Serialize + Sync>(
        &self,
        key: Key,
        value: &T,
        condition: Condition,
    ) -> Result<(), ActionError> {
        let text = serde_json::to_string(value).map_err(|e| ActionError::Refused(e.to_string()))?;
        self.write(key, &text, condition).await
    }

    pub(super) async fn delete(&self, key: Key, condition: Condition) -> Result<(), ActionError> {
        match self.dcs.delete(key, condition).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(ActionError::NotApplied(format!(
                "conditional delete of `{}` did not apply",
                key.path()
            ))),
            Err(e) => Err(e.into()),
        }
    }
}
