//! The runner's step: observe through the traits, `decide`, execute through the traits, record
//! facts. The agent drives it from a tokio loop; the simulator drives it from its event queue,
//! so both run exactly this code.

mod action_error;
mod execute;
mod facts;
mod failsafe;
mod lease;
mod observe;
mod publish;

use crate::config::{DynamicConfig, HaConfig, NodeConfig};
use crate::dcs::Dcs;
use crate::decide::{decide, next_wake, Action, Decision, Facts, LocalRequest, ScheduledRestart};
use crate::model::{Cluster, Member, Snapshot};
use crate::peers::Peers;
use crate::postgres::{PgStatus, Postgres};
use crate::time::{Clock, Mono};
use crate::watchdog::Watchdog;
pub use action_error::ActionError;
use std::sync::Arc;

/// The result of one executed action.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionOutcome {
    /// The action.
    pub action: Action,
    /// `Err` with the reason when it failed (an error, or a condition that did not hold).
    pub result: Result<(), ActionError>,
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
            watchdog: None,
        }
    }

    /// The same runner, keeping `watchdog` alive while this node runs the primary with a
    /// valid lease (outside pause) and disarming it otherwise.
    pub fn with_watchdog(mut self, watchdog: Arc<dyn Watchdog>) -> Self {
        self.watchdog = Some(watchdog);
        self
    }

    /// Schedules `restart` (published in the member key, run by `decide` when its time
    /// comes); `false` when another one is already scheduled.
    pub fn schedule_restart(&mut self, restart: ScheduledRestart) -> bool {
        if self.facts.scheduled_restart.is_some() {
            return false;
        }
        self.facts.scheduled_restart = Some(restart);
        true
    }

    /// Drops the scheduled restart; `false` when none was scheduled.
    pub fn cancel_scheduled_restart(&mut self) -> bool {
        self.facts.scheduled_restart.take().is_some()
    }

    /// The `scheduled_restart` value published in this node's member key.
    pub fn scheduled_restart(&self) -> Option<&serde_json::Value> {
        self.facts.scheduled_restart.as_ref().map(|s| &s.published)
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

    /// The dynamic configuration in force.
    pub fn dynamic(&self) -> &DynamicConfig {
        &self.dynamic
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

    /// Observes, decides and executes once.
    pub async fn step(&mut self) -> StepReport {
        let mut obs = self.observe().await;
        let cfg = self.config();
        let decision = decide(&obs, &cfg);
        self.facts = std::mem::take(&mut obs.facts);
        if self.last_decision.as_ref().map(|d| &d.reason) != Some(&decision.reason) {
            tracing::info!(node = %self.node.name, "{}", decision.reason);
        }
        let executed = self.execute(&decision).await;
        if executed.iter().any(|o| o.action.is_postgres()) {
            self.refresh_last_pg(&mut obs).await;
        }
        self.publish_member(obs, &cfg, &executed).await;
        self.disarm_watchdog_unless_leading();
        let retryable_failure = executed.iter().any(|o| {
            o.action.stops_on_failure() && o.result.as_ref().is_err_and(ActionError::is_retryable)
        });
        // The lease must be renewed before the point where the leader stops cleanly (the
        // deadline less the clean demotion lead): from there on a DCS call gets no time.
        let lead = crate::config::clean_demotion_lead(self.dynamic.ttl);
        let next_wake = next_wake(
            &decision,
            retryable_failure,
            self.clock.now(),
            self.dynamic.loop_wait,
            self.facts.lease_deadline(&self.dynamic).map(|d| d - lead),
            lead / 2,
        );
        self.last_decision = Some(decision.clone());
        StepReport {
            decision,
            executed,
            next_wake,
        }
    }
}

/// The request kinds a runner can hold, re-exported for embedders.
pub use crate::decide::LocalRequest as Request;
