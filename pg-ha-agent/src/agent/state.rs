//! `AgentState`: what the loop saw and decided last, published for the REST API.

use pg_ha_core::config::{DynamicConfig, NodeConfig};
use pg_ha_core::decide::Decision;
use pg_ha_core::model::Cluster;
use pg_ha_core::postgres::PgStatus;
use pg_ha_core::time::Mono;

/// A snapshot of the agent after its last cycle.
#[derive(Debug, Clone, Default)]
pub struct AgentState {
    /// This node's settings.
    pub node: NodeConfig,
    /// The dynamic config in force.
    pub dynamic: DynamicConfig,
    /// The last cluster read successfully, and when (local monotonic time).
    pub cluster: Option<(Cluster, Mono)>,
    /// The last PostgreSQL status.
    pub pg: Option<PgStatus>,
    /// The last decision.
    pub decision: Option<Decision>,
    /// Until when this node's lease is valid by its own clock (None: not the leader).
    pub lease_valid_until: Option<Mono>,
    /// The local monotonic time of the last cycle.
    pub at: Mono,
    /// Number of cycles run.
    pub cycles: u64,
}

impl AgentState {
    /// True while this node holds a lease valid by its own clock at `now`.
    pub fn is_leader(&self, now: Mono) -> bool {
        self.lease_valid_until.is_some_and(|t| now < t)
    }
}
