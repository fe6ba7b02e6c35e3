//! The node's own settings that `decide` needs, and `HaConfig` = node + dynamic config.

use super::DynamicConfig;
use crate::model::Tags;

/// Local settings of one node (from its YAML file in the agent).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeConfig {
    /// The member name (unique in the cluster).
    pub name: String,
    /// The cluster name.
    pub scope: String,
    /// The node's tags (nofailover, failover_priority, nosync, clonefrom, ...).
    pub tags: Tags,
    /// May this node bootstrap a new cluster (it has a `bootstrap` section)?
    pub can_bootstrap: bool,
    /// May this node create its replica without a leader (a `create_replica_methods`
    /// method with `no_leader`, e.g. a restore from backups)?
    pub can_clone_without_leader: bool,
    /// `postgres://<connect_address>/postgres`, published as `conn_url`.
    pub conn_url: String,
    /// `http://<restapi connect_address>/patroni`, published as `api_url`.
    pub api_url: String,
    /// `postgres://<proxy_address>/postgres` (a connection pooler in front of this node),
    /// published as `proxy_url` when `postgresql.proxy_address` is set.
    pub proxy_url: Option<String>,
}

/// Everything `decide` reads besides the observation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HaConfig {
    /// This node's settings.
    pub node: NodeConfig,
    /// The cluster's dynamic configuration in force.
    pub dynamic: DynamicConfig,
}
