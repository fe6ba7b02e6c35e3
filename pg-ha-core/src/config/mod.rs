//! Configuration that `decide` reads: the dynamic (cluster-wide) config from the `config` key
//! and the node's own settings; and what the DCS backends share to read their own sections of
//! Patroni's configuration ([`DcsSection`], [`TlsPaths`]).

mod coerce;
mod dcs_section;
mod dynamic;
mod dynamic_parse;
mod dynamic_write;
mod error;
mod node;
mod patch;
mod postgresql;
mod server_config;
mod slots;
mod standby;
mod sync_mode;
mod tls_paths;
mod validate;

pub use coerce::number_and_unit;
pub use dcs_section::{split_list, DcsSection};
pub use dynamic::{
    clean_demotion_lead, leader_keep_alive_skip, lease_budget, safety_margin, DynamicConfig,
    DEFAULT_RETRY_TIMEOUT, DEFAULT_TTL,
};
pub use error::ConfigError;
pub use node::{HaConfig, NodeConfig};
pub use patch::{deep_compare, patch_config, py_str};
pub use postgresql::{PostgresqlDynamic, LOCAL_ONLY_KEYS};
pub use server_config::{
    guc_text, ClusterWide, LocalServerConfig, ServerConfig, AGENT_SET, CLUSTER_WIDE,
};
pub use slots::IgnoreRule;
pub use standby::StandbyCluster;
pub use sync_mode::SyncMode;
pub use tls_paths::TlsPaths;
pub use validate::{MIN_LOOP_WAIT, MIN_RETRY_TIMEOUT, MIN_TTL};
