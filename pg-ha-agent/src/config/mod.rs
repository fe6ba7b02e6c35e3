//! The local configuration: Patroni's YAML format (spec 5.1) loaded with figment, plus
//! `PATRONI_*` environment overrides (spec 5.3), validated into [`AgentConfig`] with typed
//! values; each wrong value is one error naming the key and the expected form, and each key
//! that is not acted on is one [`ConfigWarning`].
//!
//! ```no_run
//! let loaded = pg_ha_agent::config::load(
//!     Some(std::path::Path::new("/etc/patroni.yml")),
//!     &pg_ha_agent::config::process_env(),
//! )?;
//! loaded.log_warnings();
//! let node = loaded.config.node_config();
//! let bootstrap = loaded.config.bootstrap_dynamic();
//! # Ok::<(), pg_ha_agent::config::LoadError>(())
//! ```

mod address;
mod agent_config;
mod bootstrap;
mod credentials;
mod ctl;
mod dcs;
mod env;
mod error;
mod load;
mod log;
mod postgresql;
mod postgresql_keys;
mod provider;
mod restapi;
mod section;
mod tags;
mod warning;
mod watchdog;
mod yaml;

pub use address::HostPort;
pub use agent_config::AgentConfig;
pub use bootstrap::BootstrapConfig;
pub use credentials::Credentials;
pub use ctl::CtlConfig;
pub use dcs::{compiled_in, DcsSection};
pub use env::{process_env, CONFIGURATION_VAR, ENV_PREFIX};
pub use error::LoadError;
pub use load::{load, load_str, LoadedConfig};
pub use log::{LogConfig, LogLevel, DEFAULT_FORMAT};
pub use postgresql::PostgresqlSection;
pub(crate) use postgresql_keys::CONNECTION_OPTIONS;
pub use provider::TreeProvider;
pub use restapi::{RestApiConfig, ServerTokens, VerifyClient};
pub(crate) use section::parse_bool;
pub use warning::ConfigWarning;
pub use watchdog::{WatchdogConfig, WatchdogDriver, WatchdogMode};
