//! `AgentConfig`: the whole local configuration, typed, and what the agent derives from it.

use super::bootstrap::BootstrapConfig;
use super::section::Section;
use super::tags::read_tags;
use super::watchdog::WatchdogConfig;
use super::{
    ConfigWarning, CtlConfig, DcsSection, LoadError, LogConfig, PostgresqlSection, RestApiConfig,
};
use pg_ha_core::model::Tags;
use pg_ha_core::{DynamicConfig, NodeConfig};
use serde_json::Value;

/// The node's local configuration (Patroni's YAML format, spec 5.1), validated.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentConfig {
    /// The member name.
    pub name: String,
    /// The cluster name.
    pub scope: String,
    /// The DCS namespace (default `/service/`).
    pub namespace: String,
    /// The REST API.
    pub restapi: RestApiConfig,
    /// The ctl client.
    pub ctl: CtlConfig,
    /// The DCS backend and its raw settings; `None` when the configuration has no DCS
    /// section (a node then needs a `Dcs` from its embedder: [`crate::node::NodeBuilder::dcs`]).
    pub dcs: Option<DcsSection>,
    /// The `bootstrap` section, if present (this node may then bootstrap a new cluster).
    pub bootstrap: Option<BootstrapConfig>,
    /// The `postgresql` section.
    pub postgresql: PostgresqlSection,
    /// The effective tags.
    pub tags: Tags,
    /// Logging.
    pub log: LogConfig,
    /// The watchdog.
    pub watchdog: WatchdogConfig,
    /// The whole merged configuration as read (YAML + environment).
    pub raw: Value,
}

/// Top-level keys read by [`AgentConfig::from_value`] (the DCS keys are handled apart).
const SUPPORTED: [&str; 14] = [
    "name",
    "scope",
    "namespace",
    "restapi",
    "ctl",
    "bootstrap",
    "postgresql",
    "tags",
    "log",
    "watchdog",
    "etcd3",
    "etcd",
    "consul",
    "zookeeper",
];
const UNSUPPORTED: [&str; 3] = ["citus", "thread_pool_size", "thread_stack_size"];

impl AgentConfig {
    /// Validates a merged configuration tree. Keys that are not acted on are returned as
    /// warnings, one each.
    pub fn from_value(raw: Value) -> Result<(AgentConfig, Vec<ConfigWarning>), LoadError> {
        let mut warnings = Vec::new();
        let root = Section::root(&raw)?;
        root.warn_keys(&SUPPORTED, &UNSUPPORTED, &mut warnings);
        let dcs = DcsSection::select(&root)?;
        let cfg = AgentConfig {
            name: root.required_string("name", "the unique member name of this node")?,
            scope: root.required_string("scope", "the cluster name")?,
            namespace: root
                .string("namespace")?
                .unwrap_or_else(|| "/service/".to_string()),
            restapi: RestApiConfig::read(&root, &mut warnings)?,
            ctl: CtlConfig::read(&root, &mut warnings)?,
            dcs,
            bootstrap: BootstrapConfig::read(&root, &mut warnings)?,
            postgresql: PostgresqlSection::read(&root, &mut warnings)?,
            tags: read_tags(&root, &mut warnings)?,
            log: LogConfig::read(&root, &mut warnings)?,
            watchdog: WatchdogConfig::read(&root, &mut warnings)?,
            raw: Value::Null,
        };
        Ok((AgentConfig { raw, ..cfg }, warnings))
    }

    /// What the core needs of this node: name, scope, tags, whether it may bootstrap,
    /// `conn_url` and `api_url`.
    pub fn node_config(&self) -> NodeConfig {
        NodeConfig {
            name: self.name.clone(),
            scope: self.scope.clone(),
            tags: self.tags.clone(),
            can_bootstrap: self.bootstrap.is_some(),
            can_clone_without_leader: has_no_leader_method(&self.postgresql.raw),
            conn_url: self.postgresql.conn_url(),
            api_url: self.restapi.api_url(),
            proxy_url: self.postgresql.proxy_url(),
        }
    }

    /// The dynamic configuration in force until the cluster's `config` key exists:
    /// `bootstrap.dcs` merged over Patroni's defaults (the defaults without a bootstrap
    /// section).
    pub fn bootstrap_dynamic(&self) -> DynamicConfig {
        self.bootstrap
            .as_ref()
            .map(|b| b.dcs.clone())
            .unwrap_or_default()
    }

    /// The raw `postgresql` section for PostgreSQL control.
    pub fn postgresql_raw(&self) -> &Value {
        &self.postgresql.raw
    }
}

/// True when one of `create_replica_methods` is marked `no_leader` (or `no_master`).
fn has_no_leader_method(postgresql: &Value) -> bool {
    let Some(methods) = postgresql
        .get("create_replica_methods")
        .and_then(Value::as_array)
    else {
        return false;
    };
    methods.iter().filter_map(Value::as_str).any(|name| {
        ["no_leader", "no_master"].iter().any(|flag| {
            postgresql
                .get(name)
                .and_then(|m| m.get(flag))
                .and_then(super::section::parse_bool)
                .unwrap_or(false)
        })
    })
}
