//! `SimNode`: the world's per-node bookkeeping around one real [`Runner`].

use super::clock::Micros;
use super::dcs::FaultyDcs;
use super::peers::SimPeers;
use super::postgres::SimPostgres;
use crate::config::{NodeConfig, SyncMode};
use crate::model::Cluster;
use crate::runner::Runner;

/// The runner type the simulator drives: the agent's runner over simulated components.
pub type SimRunner = Runner<FaultyDcs, SimPostgres, SimPeers>;

/// The cluster scope of every simulated node.
pub const SCOPE: &str = "sim";

/// What the DCS said when a node won the leader key: decides how its promotion is judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acquisition {
    /// A failover / switchover request was present (manual: no lag or sync rule).
    pub manual: bool,
    /// `status.optime`: the last known primary position.
    pub optime: Option<u64>,
    /// The branch that optime was really written on, when the world saw it published.
    pub optime_branch: Option<u64>,
    /// synchronous_mode was on (the operator's setting, not what the nodes wrote) and no
    /// manual failover (a named candidate without a leader) was asked: the promotion must
    /// keep every guaranteed commit. A switchover must keep them too, as on Patroni.
    pub sync_protected: bool,
}

impl Acquisition {
    /// Judges a promotion against the cluster as read just before the step.
    /// `branch_of` gives the branch an optime was really published on, when known.
    pub fn from_cluster(
        cluster: Option<&Cluster>,
        branch_of: impl Fn(Option<u64>) -> Option<u64>,
    ) -> Acquisition {
        let Some(c) = cluster else {
            return Acquisition {
                manual: false,
                optime: None,
                optime_branch: None,
                sync_protected: false,
            };
        };
        let request = c.failover_request();
        let manual_failover = request.is_some_and(|r| r.value.leader.is_none());
        let sync_on = c
            .config
            .as_ref()
            .is_some_and(|cfg| cfg.parsed.synchronous_mode != SyncMode::Off);
        Acquisition {
            manual: request.is_some(),
            optime: c.status.optime,
            optime_branch: branch_of(c.status.optime),
            sync_protected: sync_on && !manual_failover,
        }
    }
}

/// One node as the world tracks it.
pub struct SimNode {
    /// Its settings.
    pub config: NodeConfig,
    /// The runner, while the agent process exists (None after a node crash).
    pub runner: Option<SimRunner>,
    /// Bumped whenever the next step is rescheduled; stale step events are ignored.
    pub generation: u64,
    /// When the next step is scheduled (global time).
    pub next_step: Option<Micros>,
    /// What the DCS said when this node last acquired the leader key.
    pub acquisition: Option<Acquisition>,
    /// How many times the node crashed (stale restarts are ignored).
    pub crashes: u64,
    /// The step under way, while it waits for simulated time (its runner is inside).
    pub in_flight: Option<InFlight>,
    /// How many steps the node has started.
    pub flights: u64,
    /// The dynamic configuration the runner last used (readable while a step is in flight).
    pub dynamic: Option<crate::config::DynamicConfig>,
}

/// A runner step that waits for simulated time (a slow or hanging DCS call): the world polls
/// it again then, and other nodes act meanwhile.
pub struct InFlight {
    /// The step's number on its node.
    pub id: u64,
    /// The step, owning the runner until it ends.
    pub future: std::pin::Pin<
        Box<dyn std::future::Future<Output = (SimRunner, crate::runner::StepReport)>>,
    >,
    /// The cluster as the DCS held it when the step began.
    pub pre: Option<Cluster>,
}

impl SimNode {
    /// A node with these settings and no agent yet.
    pub fn new(config: NodeConfig) -> SimNode {
        SimNode {
            config,
            runner: None,
            generation: 0,
            next_step: None,
            acquisition: None,
            crashes: 0,
            in_flight: None,
            flights: 0,
            dynamic: None,
        }
    }
}

/// The settings of node `i` (named `node1`, `node2`, ...).
pub fn node_config(i: usize) -> NodeConfig {
    let name = format!("node{}", i + 1);
    NodeConfig {
        conn_url: format!("postgres://{name}:5432/postgres"),
        api_url: format!("http://{name}:8008/patroni"),
        proxy_url: None,
        scope: SCOPE.to_string(),
        can_bootstrap: true,
        can_clone_without_leader: false,
        tags: Default::default(),
        name,
    }
}
