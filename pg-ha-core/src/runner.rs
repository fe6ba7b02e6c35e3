//! The runner's step: observe through the traits, `decide`, execute through the traits, record
//! facts. The agent drives it from a tokio loop; the simulator drives it from its event queue,
//! so both run exactly this code.

use crate::config::{clean_demotion_lead, DynamicConfig, HaConfig, NodeConfig};
use crate::dcs::{Dcs, DcsError};
use crate::decide::{decide, Action, DcsView, Decision, Facts, LocalRequest, Observation, PgView};
use crate::member_report::member_data;
use crate::model::{Cluster, Condition, Key, Member, Snapshot};
use crate::peers::{FailsafeNotice, PeerReport, Peers};
use crate::postgres::{PgError, PgStatus, Postgres, Upstream};
use crate::time::{Clock, Mono};
use crate::watchdog::Watchdog;
use std::sync::Arc;
use std::time::Duration;

/// The result of one executed action.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionOutcome {
    /// The action.
    pub action: Action,
    /// `Err` with the reason when it failed (an error, or a condition that did not hold).
    pub result: Result<(), String>,
}

/// What one step did.
#[derive(Debug, Clone, PartialEq)]
pub struct StepReport {
    /// The decision taken.
    pub decision: Decision,
    /// The actions executed, in order, up to and including the first failure.
    pub executed: Vec<ActionOutcome>,
    /// When the runner should step again at the latest.
    pub next_wake: Mono,
}

/// One node's HA runner, generic over its DCS, PostgreSQL, peers and clock.
pub struct Runner<D: Dcs + ?Sized, P: Postgres + ?Sized, N: Peers + ?Sized> {
    node: NodeConfig,
    dynamic: DynamicConfig,
    dcs: Arc<D>,
    pg: Arc<P>,
    peers: Arc<N>,
    clock: Arc<dyn Clock>,
    facts: Facts,
    last_cluster: Option<Cluster>,
    last_snapshot: Option<Snapshot>,
    led_members: Vec<Member>,
    dcs_down_since: Option<Mono>,
    pg_unknown_since: Option<Mono>,
    last_pg: Option<PgStatus>,
    last_decision: Option<Decision>,
    last_published: Option<(String, Mono)>,
    scheduled_restart: Option<serde_json::Value>,
    watchdog: Option<Arc<dyn Watchdog>>,
}

impl<D: Dcs + ?Sized, P: Postgres + ?Sized, N: Peers + ?Sized> Runner<D, P, N> {
    /// A runner for `node`. `bootstrap_config` is the dynamic config in force until the
    /// cluster's `config` key exists (Patroni's `bootstrap.dcs`); the bootstrap leader writes it.
    pub fn new(
        node: NodeConfig,
        bootstrap_config: DynamicConfig,
        dcs: Arc<D>,
        pg: Arc<P>,
        peers: Arc<N>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Runner {
            node,
            dynamic: bootstrap_config,
            dcs,
            pg,
            peers,
            clock,
            facts: Facts::default(),
            last_cluster: None,
            last_snapshot: None,
            led_members: Vec::new(),
            dcs_down_since: None,
            pg_unknown_since: None,
            last_pg: None,
            last_decision: None,
            last_published: None,
            scheduled_restart: None,
            watchdog: None,
        }
    }

    /// The same runner, keeping `watchdog` alive while this node runs the primary with a
    /// valid lease (outside pause) and disarming it otherwise.
    pub fn with_watchdog(mut self, watchdog: Arc<dyn Watchdog>) -> Self {
        self.watchdog = Some(watchdog);
        self
    }

    /// Sets the `scheduled_restart` value published in this node's member key (`None`
    /// withdraws it).
    pub fn set_scheduled_restart(&mut self, value: Option<serde_json::Value>) {
        self.scheduled_restart = value;
    }

    /// The `scheduled_restart` value published in this node's member key.
    pub fn scheduled_restart(&self) -> Option<&serde_json::Value> {
        self.scheduled_restart.as_ref()
    }

    /// The facts remembered between cycles.
    pub fn facts(&self) -> &Facts {
        &self.facts
    }

    /// The last decision taken (for `GET /why`).
    pub fn last_decision(&self) -> Option<&Decision> {
        self.last_decision.as_ref()
    }

    /// The last cluster read successfully.
    pub fn last_cluster(&self) -> Option<&Cluster> {
        self.last_cluster.as_ref()
    }

    /// The last PostgreSQL status observed.
    pub fn last_pg(&self) -> Option<&PgStatus> {
        self.last_pg.as_ref()
    }

    /// The configuration in force (node + dynamic).
    pub fn config(&self) -> HaConfig {
        HaConfig {
            node: self.node.clone(),
            dynamic: self.dynamic.clone(),
        }
    }

    /// Replaces the node's local settings (config reload: tags, addresses, bootstrap
    /// permission). The name must stay the same. The server configuration is applied again
    /// at the next step (the local `postgresql` section may have changed with it).
    pub fn set_node(&mut self, node: NodeConfig) {
        self.facts.applied_postgresql = None;
        if node.name == self.node.name {
            self.node = node;
        } else {
            tracing::warn!(
                "a reload cannot rename the member `{}`; ignored",
                self.node.name
            );
        }
    }

    /// Records a request from REST, ctl or a signal; acted on at the next step.
    pub fn request(&mut self, request: LocalRequest) {
        self.facts.request = Some(request);
    }

    /// Records a failsafe notice from `leader` received at the local time `at`.
    pub fn receive_failsafe(&mut self, leader: &str, at: Mono) {
        self.facts.failsafe_leader = Some((leader.to_string(), at));
    }

    /// True while this node holds a lease that is valid by its own clock.
    pub fn holds_valid_lease(&self) -> bool {
        self.facts
            .lease_renewed_at
            .is_some_and(|t| self.clock.now() < t + self.lease_budget())
    }

    /// The write fence after the lease was confirmed at `at`: the lease deadline, or none
    /// in pause, where the primary keeps running whatever happens to the DCS (as Patroni).
    fn fence_after(&self, at: Mono) -> Option<Mono> {
        (!self.dynamic.pause).then(|| at + self.lease_budget())
    }

    fn lease_budget(&self) -> Duration {
        self.dynamic.lease_budget()
    }

    /// Observes, decides and executes once.
    pub async fn step(&mut self) -> StepReport {
        let obs = self.observe().await;
        let cfg = self.config();
        let decision = decide(&obs, &cfg);
        self.facts = obs.facts;
        if self.last_decision.as_ref().map(|d| &d.reason) != Some(&decision.reason) {
            tracing::info!(node = %self.node.name, "{}", decision.reason);
        }
        let executed = self.execute(&decision).await;
        let pg_changed = executed.iter().any(|o| o.action.is_postgres());
        self.publish_member(pg_changed).await;
        self.disarm_watchdog_unless_leading();
        let failed = executed
            .iter()
            .any(|o| o.result.is_err() && o.action.stops_on_failure());
        let now = self.clock.now();
        let mut next_wake = now + self.dynamic.loop_wait;
        if let Some(at) = decision.wake_at {
            next_wake = next_wake.min(at);
        }
        if failed || changed_roles(&decision) {
            next_wake = next_wake.min(now + Duration::from_millis(100));
        }
        self.last_decision = Some(decision.clone());
        StepReport {
            decision,
            executed,
            next_wake,
        }
    }

    async fn observe(&mut self) -> Observation {
        if self.facts.failsafe_confirmed_at.is_some() {
            // Riding on failsafe: confirm before the DCS read, which may hang for
            // retry_timeout, so that the fence is extended every cycle in time.
            self.refresh_failsafe().await;
        }
        let now = self.clock.now();
        let dcs = self.observe_dcs(now).await;
        let pg = self.observe_pg(now).await;
        let mut facts = self.facts.clone();
        facts.watchdog_unusable = self.watchdog.as_ref().is_some_and(|w| !w.usable());
        if let Some(cluster) = dcs.cluster() {
            note_members_seen(&mut facts, cluster, now);
        }
        if let Some(cluster) = dcs.cluster() {
            track_leaderless(&mut facts, cluster, now);
        }
        if let PgView::Known(status) = &pg {
            track_wal_progress(&mut facts, status, now);
        }
        if let (PgView::Known(status), Some(cluster)) = (&pg, dcs.cluster()) {
            track_primary_down(&mut facts, &self.node.name, cluster, status, now);
            if let Some(leader) = cluster.leader_name() {
                facts.last_leader = Some(leader.to_string());
            }
        }
        let peers = self.observe_peers(&dcs, &pg).await;
        self.observe_failsafe(&dcs, &pg, &mut facts).await;
        Observation {
            now,
            wall: self.clock.wall(),
            dcs,
            pg,
            peers,
            facts,
        }
    }

    /// How long a DCS call may run while this node holds a lease: until the moment it must
    /// stop cleanly if the DCS stays silent (the lease deadline less
    /// [`clean_demotion_lead`]), so that this decision is taken on time; from then until the
    /// deadline, no time at all (only an answer at hand counts). `None` (the backend's own
    /// retry_timeout applies) without a lease or once the deadline has passed.
    fn dcs_call_limit(&self) -> Option<Duration> {
        let deadline = self.lease_anchor()? + self.lease_budget();
        let clean_at = deadline - clean_demotion_lead(self.dynamic.ttl);
        let now = self.clock.now();
        (now < deadline).then(|| clean_at.since(now))
    }

    /// When this node's leadership was last confirmed: the lease renewal, or a later
    /// failsafe confirmation by every member (with failsafe_mode on).
    fn lease_anchor(&self) -> Option<Mono> {
        let renewed = self.facts.lease_renewed_at?;
        let confirmed = self
            .facts
            .failsafe_confirmed_at
            .filter(|_| self.dynamic.failsafe_mode);
        Some(confirmed.map_or(renewed, |c| c.max(renewed)))
    }

    /// Runs a DCS call within [`Runner::dcs_call_limit`]; one cut short is a timeout.
    async fn bounded<T>(
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

    async fn observe_dcs(&mut self, now: Mono) -> DcsView {
        match self.bounded(self.dcs.read_recent()).await {
            Ok(snapshot) => {
                let cluster = self.parse_snapshot(snapshot);
                self.apply_config(&cluster);
                self.dcs_down_since = None;
                if cluster.leader.is_some() {
                    self.led_members = cluster.members.clone();
                }
                self.last_cluster = Some(cluster.clone());
                DcsView::Available(cluster)
            }
            Err(e) => {
                let since = *self.dcs_down_since.get_or_insert(now);
                tracing::warn!(node = %self.node.name, "DCS read failed: {e}");
                DcsView::Unreachable {
                    since,
                    last_known: self.last_cluster.clone(),
                }
            }
        }
    }

    /// The cluster in `snapshot`; parsed (and malformed values logged) only when the
    /// snapshot differs from the last one.
    fn parse_snapshot(&mut self, snapshot: Snapshot) -> Cluster {
        if let (Some(last), Some(cluster)) = (&self.last_snapshot, &self.last_cluster) {
            if *last == snapshot {
                return cluster.clone();
            }
        }
        let (cluster, errors) = Cluster::from_snapshot(&snapshot);
        for e in &errors {
            tracing::warn!(key = %e.key, "ignoring malformed DCS value: {}", e.reason);
        }
        self.last_snapshot = Some(snapshot);
        cluster
    }

    fn apply_config(&mut self, cluster: &Cluster) {
        let Some(entry) = &cluster.config else { return };
        if entry.parsed == self.dynamic {
            return;
        }
        match entry.parsed.validate() {
            Ok(()) => self.dynamic = entry.parsed.clone(),
            Err(e) => tracing::warn!("keeping the last good dynamic config: {e}"),
        }
    }

    async fn observe_pg(&mut self, now: Mono) -> PgView {
        match self.pg.status().await {
            Ok(status) => {
                self.pg_unknown_since = None;
                self.last_pg = Some(status.clone());
                PgView::Known(status)
            }
            Err(e) => {
                tracing::warn!(node = %self.node.name, "PostgreSQL status failed: {e}");
                PgView::Unknown {
                    since: *self.pg_unknown_since.get_or_insert(now),
                }
            }
        }
    }

    /// Asks the other members about themselves when an election may happen: no leader (and
    /// PostgreSQL runs), or, as leader, a failover request to check or a shutdown to hand
    /// the key over.
    async fn observe_peers(&self, dcs: &DcsView, pg: &PgView) -> Vec<PeerReport> {
        let Some(cluster) = dcs.cluster() else {
            return Vec::new();
        };
        let PgView::Known(status) = pg else {
            return Vec::new();
        };
        let me = self.node.name.as_str();
        let running = status.process == crate::postgres::ProcessState::Running;
        let election = cluster.leader.is_none() && running;
        let handing_over = cluster.is_leader(me)
            && (cluster.failover_request().is_some()
                || self.facts.request == Some(LocalRequest::Shutdown));
        if !(election || handing_over) {
            return Vec::new();
        }
        // All at once: an unreachable peer costs one timeout, not one per peer.
        let asks = self
            .election_peers(cluster)
            .filter(|m| m.name != me && m.data.api_url.is_some())
            .map(|member| async move {
                PeerReport {
                    name: member.name.clone(),
                    status: self.peers.status(member).await.ok(),
                }
            });
        futures_util::future::join_all(asks).await
    }

    /// The members to ask during an election: the current ones plus those of the last view
    /// that had a leader (Patroni's old_cluster), so a node whose key expired while it was cut
    /// off from the DCS is still asked.
    fn election_peers<'a>(&'a self, cluster: &'a Cluster) -> impl Iterator<Item = &'a Member> + 'a {
        let gone = self
            .led_members
            .iter()
            .filter(|m| cluster.member(&m.name).is_none());
        cluster.members.iter().chain(gone)
    }

    /// On a primary that cannot reach the DCS with failsafe_mode on: sends every member of
    /// the last known failsafe map a notice and, when all accepted, records the time the
    /// notices were sent and extends the write fence from it. (Not the start of the cycle:
    /// the failed DCS read before it can take retry_timeout, and a fence anchored there
    /// would fire before the next cycle could extend it.)
    async fn observe_failsafe(&self, dcs: &DcsView, pg: &PgView, facts: &mut Facts) {
        let DcsView::Unreachable {
            last_known: Some(cluster),
            ..
        } = dcs
        else {
            facts.failsafe_confirmed_at = None;
            return;
        };
        let primary = matches!(pg, PgView::Known(s) if s.is_running_primary());
        if !primary || facts.lease_renewed_at.is_none() {
            return;
        }
        if let Some(sent) = self.confirm_failsafe(cluster).await {
            facts.failsafe_confirmed_at = Some(sent);
        }
    }

    /// With failsafe_mode on: sends every member of `cluster`'s failsafe map a notice; when
    /// all accepted, extends the write fence from the time the notices were sent and returns
    /// that time.
    async fn confirm_failsafe(&self, cluster: &Cluster) -> Option<Mono> {
        if !self.dynamic.failsafe_mode {
            return None;
        }
        let map = cluster.failsafe.as_ref()?;
        if !map.0.contains_key(&self.node.name) {
            return None;
        }
        let notice = FailsafeNotice {
            name: self.node.name.clone(),
            conn_url: self.node.conn_url.clone(),
            api_url: self.node.api_url.clone(),
        };
        let sent = self.clock.now();
        for name in map.0.keys().filter(|n| **n != self.node.name) {
            let member = cluster.member(name)?;
            self.peers.failsafe(member, &notice).await.ok()?;
        }
        if let Err(e) = self.pg.set_write_fence(self.fence_after(sent)).await {
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
    async fn refresh_failsafe(&mut self) {
        let Some(cluster) = self.last_cluster.clone() else {
            return;
        };
        if let Some(sent) = self.confirm_failsafe(&cluster).await {
            self.facts.failsafe_confirmed_at = Some(sent);
        }
    }

    async fn execute(&mut self, decision: &Decision) -> Vec<ActionOutcome> {
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

    async fn run(&mut self, action: &Action) -> Result<(), String> {
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
                let won = self
                    .dcs
                    .acquire_leader(&name, ttl)
                    .await
                    .map_err(|e| e.to_string())?;
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
                        return Err(e.to_string());
                    }
                };
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
                    .map_err(|e| e.to_string())
            }
            Action::ClearFailover { condition } => {
                self.write(Key::Failover, "{}", *condition).await
            }
            Action::WriteSync { state, condition } => {
                let value = serde_json::to_string(state).map_err(|e| e.to_string())?;
                self.write(Key::Sync, &value, *condition).await
            }
            Action::DeleteSync { condition } => self.delete(Key::Sync, *condition).await,
            Action::WriteHistory(history) => self.write_json(Key::History, history).await,
            Action::WriteStatus(status) => self.write_json(Key::Status, status).await,
            Action::WriteFailsafe(map) => self.write_json(Key::Failsafe, map).await,
            Action::ClearRequest => {
                self.facts.request = None;
                Ok(())
            }
            pg_action => self.run_pg(pg_action).await,
        }
    }

    async fn run_pg(&mut self, action: &Action) -> Result<(), String> {
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
                    self.facts.sync_names_lsn = pg.status().await.ok().and_then(|s| s.write_lsn);
                }
                result
            }
            other => return Err(format!("not a PostgreSQL action: {other:?}")),
        };
        self.record_pg_result(action, &result);
        result.map_err(|e| e.to_string())
    }

    fn record_pg_result(&mut self, action: &Action, result: &Result<(), PgError>) {
        let ok = result.is_ok();
        match action {
            Action::Promote { .. } => {
                self.facts.promotion_refused = matches!(result, Err(PgError::Refused(_)));
            }
            Action::Bootstrap | Action::CloneFromRemote(_) => self.facts.bootstrap_failed = !ok,
            Action::Rewind { .. } => self.facts.rewind_failed = !ok,
            Action::Reinit { .. } if ok => self.facts.rewind_failed = false,
            Action::ApplyConfig(config) if ok => {
                self.facts.applied_postgresql = Some(config.clone());
            }
            _ => {}
        }
    }

    fn upstream(&self, name: &str) -> Result<Upstream, String> {
        let member: Option<&Member> = self.last_cluster.as_ref().and_then(|c| c.member(name));
        let conn_url = member
            .and_then(|m| m.data.conn_url.clone())
            .ok_or_else(|| format!("member {name} has no conn_url"))?;
        Ok(Upstream::member(name, &conn_url))
    }

    async fn lease_result(&mut self, held: bool, sent: Mono, lost: &str) -> Result<(), String> {
        if !held {
            self.facts.lease_renewed_at = None;
            return Err(lost.to_string());
        }
        self.facts.lease_renewed_at = Some(sent);
        tracing::debug!(node = %self.node.name, "leader lease renewed");
        self.pg
            .set_write_fence(self.fence_after(sent))
            .await
            .map_err(|e| e.to_string())?;
        self.keep_watchdog_alive()
    }

    /// After the lease was taken or renewed: keeps the watchdog alive (disarms it in
    /// pause). A required watchdog that cannot be armed stops the actions after this one
    /// (a promotion) unless PostgreSQL already runs as primary, where it is only logged.
    fn keep_watchdog_alive(&mut self) -> Result<(), String> {
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
                    Err(format!("the required watchdog cannot be armed: {e}"))
                }
            }
        }
    }

    /// Disarms the watchdog unless this node runs the primary under a valid lease outside
    /// pause: a demoted, stopped or paused node must not be reset.
    fn disarm_watchdog_unless_leading(&self) {
        let Some(watchdog) = &self.watchdog else {
            return;
        };
        let primary = self
            .last_pg
            .as_ref()
            .is_some_and(|s| s.is_running_primary());
        let leading = self
            .lease_anchor()
            .is_some_and(|at| self.clock.now() < at + self.lease_budget());
        if !(primary && leading && !self.dynamic.pause) {
            watchdog.disable();
        }
    }

    async fn write(&self, key: Key, value: &str, condition: Condition) -> Result<(), String> {
        match self.dcs.write(key, value, condition).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err(format!(
                "conditional write of `{}` did not apply",
                key.path()
            )),
            Err(e) => Err(e.to_string()),
        }
    }

    async fn write_json<T: serde::Serialize + Sync>(
        &self,
        key: Key,
        value: &T,
    ) -> Result<(), String> {
        let text = serde_json::to_string(value).map_err(|e| e.to_string())?;
        self.write(key, &text, Condition::Any).await
    }

    async fn delete(&self, key: Key, condition: Condition) -> Result<(), String> {
        match self.dcs.delete(key, condition).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(format!(
                "conditional delete of `{}` did not apply",
                key.path()
            )),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Writes the member key when its value changed or it is missing from the last read, and
    /// otherwise refreshes it (and the node's lease) about every loop_wait; backends that can
    /// refresh without rewriting keep watchers on other nodes quiet.
    async fn publish_member(&mut self, pg_changed: bool) {
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

fn track_primary_down(facts: &mut Facts, me: &str, cluster: &Cluster, pg: &PgStatus, now: Mono) {
    let running = pg.process == crate::postgres::ProcessState::Running
        || pg.process == crate::postgres::ProcessState::Starting;
    if cluster.is_leader(me) && !running {
        facts.primary_down_since.get_or_insert(now);
    } else {
        facts.primary_down_since = None;
    }
}

/// Remembers since when the cluster has had no leader key.
fn track_leaderless(facts: &mut Facts, cluster: &Cluster, now: Mono) {
    if cluster.leader.is_some() {
        facts.leaderless_since = None;
    } else {
        facts.leaderless_since.get_or_insert(now);
    }
}

/// Remembers this node's WAL position and when it last moved.
fn track_wal_progress(facts: &mut Facts, pg: &PgStatus, now: Mono) {
    let Some(position) = pg.wal_position() else {
        facts.wal_progress = None;
        return;
    };
    match facts.wal_progress {
        Some((last, _)) if last == position => {}
        _ => facts.wal_progress = Some((position, now)),
    }
}

/// Marks every member in `cluster` as seen `now`, and the names of the `status` key's
/// `retain_slots` that this node has not seen yet (it keeps their slots for a full
/// member_slots_ttl from now).
fn note_members_seen(facts: &mut Facts, cluster: &Cluster, now: Mono) {
    for member in &cluster.members {
        facts.members_seen.insert(member.name.clone(), now);
    }
    for name in &cluster.status.retain_slots {
        facts.members_seen.entry(name.clone()).or_insert(now);
    }
}

fn changed_roles(decision: &Decision) -> bool {
    decision.actions.iter().any(|a| {
        matches!(
            a,
            Action::Promote { .. }
                | Action::Stop { .. }
                | Action::AcquireLeader
                | Action::ReleaseLeader
                | Action::Bootstrap
                | Action::CloneFrom { .. }
                | Action::CloneFromRemote(_)
                | Action::CloneWithoutLeader
                | Action::StartStandbyOfRemote(_)
                | Action::Rewind { .. }
                | Action::Reinit { .. }
                | Action::StartStandby { .. }
                | Action::StartPrimary
        )
    })
}

/// The request kinds a runner can hold, re-exported for embedders.
pub use crate::decide::LocalRequest as Request;
