//! Configuration that `decide` reads: the dynamic (cluster-wide) config from the `config` key
//! and the node's own settings.

mod dynamic;
mod error;
mod node;

pub use dynamic::{DynamicConfig, PostgresqlDynamic, StandbyCluster, SyncMode};
pub use error::ConfigError;
pub use node::{HaConfig, NodeConfig};
