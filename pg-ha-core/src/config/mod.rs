//! Configuration that `decide` reads: the dynamic (cluster-wide) config from the `config` key
//! and the node's own settings.

mod coerce;
mod dynamic;
mod dynamic_parse;
mod dynamic_write;
mod error;
mod node;
mod postgresql;
mod standby;
mod sync_mode;
mod validate;

pub use dynamic::DynamicConfig;
pub use error::ConfigError;
pub use node::{HaConfig, NodeConfig};
pub use postgresql::{PostgresqlDynamic, LOCAL_ONLY_KEYS};
pub use standby::StandbyCluster;
pub use sync_mode::SyncMode;
