//! The PostgreSQL server configuration a node runs with: the dynamic `postgresql` section
//! (the cluster's `config` key) merged with the node's local `postgresql` section by
//! Patroni's precedence rules:
//! - local `parameters` override dynamic ones, except the cluster-wide parameters
//!   ([`CLUSTER_WIDE`]: they must match on every member, so only the dynamic configuration
//!   sets them; an invalid or missing value gets Patroni's default);
//! - `listen_addresses`, `port`, `cluster_name` and `hot_standby` are the agent's own;
//! - a non-empty local `pg_hba` / `pg_ident` replaces the dynamic one; when neither is set,
//!   the files are not managed.

use super::PostgresqlDynamic;
use serde_json::Value;
use std::collections::BTreeMap;

/// How a cluster-wide parameter's value is checked (Patroni's validators).
#[derive(Debug, Clone, Copy)]
enum Check {
    /// An integer at least this large.
    AtLeast(i64),
    /// A size at least this many megabytes (a bare number is megabytes).
    MegabytesAtLeast(u64),
    /// One of these words.
    OneOf(&'static [&'static str]),
    /// A boolean.
    Bool,
}

/// A parameter only the dynamic configuration sets, with Patroni's default.
#[derive(Debug, Clone, Copy)]
pub struct ClusterWide {
    /// The GUC name.
    pub name: &'static str,
    /// The value used when the dynamic configuration has none (or an invalid one).
    pub default: &'static str,
    check: Check,
}

/// Patroni's `CMDLINE_OPTIONS` that PostgreSQL 13+ knows: set only through the dynamic
/// configuration, and never below these minimums.
pub const CLUSTER_WIDE: [ClusterWide; 10] = [
    ClusterWide {
        name: "wal_level",
        default: "replica",
        check: Check::OneOf(&["hot_standby", "replica", "logical"]),
    },
    ClusterWide {
        name: "max_connections",
        default: "100",
        check: Check::AtLeast(25),
    },
    ClusterWide {
        name: "max_wal_senders",
        default: "10",
        check: Check::AtLeast(3),
    },
    ClusterWide {
        name: "wal_keep_size",
        default: "128MB",
        check: Check::MegabytesAtLeast(16),
    },
    ClusterWide {
        name: "max_prepared_transactions",
        default: "0",
        check: Check::AtLeast(0),
    },
    ClusterWide {
        name: "max_locks_per_transaction",
        default: "64",
        check: Check::AtLeast(32),
    },
    ClusterWide {
        name: "track_commit_timestamp",
        default: "off",
        check: Check::Bool,
    },
    ClusterWide {
        name: "max_replication_slots",
        default: "10",
        check: Check::AtLeast(4),
    },
    ClusterWide {
        name: "max_worker_processes",
        default: "8",
        check: Check::AtLeast(2),
    },
    ClusterWide {
        name: "wal_log_hints",
        default: "on",
        check: Check::Bool,
    },
];

/// Parameters the agent always sets itself; a value in either section is ignored.
pub const AGENT_SET: [&str; 4] = ["listen_addresses", "port", "cluster_name", "hot_standby"];

/// Parameters whose PostgreSQL default pg-ha replaces when neither section sets them:
/// `wal_retrieve_retry_interval` (PostgreSQL's 5 s): how long a standby waits before it
/// connects again after its upstream went away. After every switchover, failover or restart
/// of the primary the replicas wait that long before they stream again, so at 5 s the cluster
/// runs without its standbys (and, in synchronous mode, without its safety net) for 5 s;
/// at 500 ms it is back to full redundancy within about a second. Patroni keeps 5 s.
const AGENT_DEFAULTS: [(&str, &str); 1] = [("wal_retrieve_retry_interval", "500ms")];

/// What the node's own `postgresql` section says about the server configuration.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LocalServerConfig {
    /// `postgresql.parameters`.
    pub parameters: BTreeMap<String, Value>,
    /// `postgresql.pg_hba` (empty: take the dynamic one).
    pub pg_hba: Vec<String>,
    /// `postgresql.pg_ident` (empty: take the dynamic one).
    pub pg_ident: Vec<String>,
    /// `postgresql.recovery_conf` (empty: take the dynamic one).
    pub recovery_conf: BTreeMap<String, Value>,
}

/// The effective server configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerConfig {
    /// Every parameter to write, as PostgreSQL text (cluster-wide ones always present).
    pub parameters: BTreeMap<String, String>,
    /// `pg_hba.conf` lines; empty when neither section sets them (the file is not managed).
    pub pg_hba: Vec<String>,
    /// `pg_ident.conf` lines; empty when neither section sets them (the file is not managed).
    pub pg_ident: Vec<String>,
    /// Recovery parameters a standby runs with (`restore_command`,
    /// `recovery_min_apply_delay`, `archive_cleanup_command`, ...): `recovery_conf` of the
    /// node, else of the dynamic section, without the ones the agent sets itself.
    pub recovery_conf: BTreeMap<String, String>,
}

/// `recovery_conf` keys the agent sets itself or that would stop a standby (targets).
fn agent_recovery_key(name: &str) -> bool {
    name.starts_with("recovery_target")
        || matches!(
            name,
            "primary_conninfo" | "primary_slot_name" | "standby_mode"
        )
}

impl ServerConfig {
    /// Merges `dynamic` and `local`; the second value lists, one line each, what was
    /// ignored or replaced and why (for the log).
    pub fn effective(
        dynamic: &PostgresqlDynamic,
        local: &LocalServerConfig,
    ) -> (ServerConfig, Vec<String>) {
        let mut warnings = Vec::new();
        let mut parameters = BTreeMap::new();
        let sources = [
            ("config", &dynamic.parameters),
            ("local", &local.parameters),
        ];
        for (source, params) in sources {
            for (name, value) in params {
                if let Some(text) = ordinary(source, name, value, &mut warnings) {
                    parameters.insert(name.clone(), text);
                }
            }
        }
        for wide in CLUSTER_WIDE {
            let value = cluster_wide(&wide, &dynamic.parameters, &mut warnings);
            parameters.insert(wide.name.to_string(), value);
        }
        for (name, value) in AGENT_DEFAULTS {
            parameters
                .entry(name.to_string())
                .or_insert_with(|| value.to_string());
        }
        let config = ServerConfig {
            parameters,
            pg_hba: lines("pg_hba", &local.pg_hba, dynamic, &mut warnings),
            pg_ident: lines("pg_ident", &local.pg_ident, dynamic, &mut warnings),
            recovery_conf: recovery_conf(&local.recovery_conf, dynamic, &mut warnings),
        };
        (config, warnings)
    }
}

/// A parameter that is neither cluster-wide nor the agent's own, as text; `None` (with a
/// warning) when it is one of those or not a scalar.
fn ordinary(source: &str, name: &str, value: &Value, warnings: &mut Vec<String>) -> Option<String> {
    let key = if source == "local" {
        format!("postgresql.parameters.{name}")
    } else {
        format!("config postgresql.parameters.{name}")
    };
    if AGENT_SET.contains(&name) {
        warnings.push(format!("{key} is ignored: pg-ha sets it itself"));
        return None;
    }
    if name == "wal_keep_segments" || is_cluster_wide(name) {
        if source == "local" {
            warnings.push(format!(
                "{key} is ignored: it must be the same on every member, so only the dynamic \
                 configuration sets it (pg-ha-ctl edit-config)"
            ));
        }
        return None;
    }
    match guc_text(value) {
        Some(text) => Some(text),
        None => {
            warnings.push(format!("{key} is ignored: expected a scalar, got {value}"));
            None
        }
    }
}

fn is_cluster_wide(name: &str) -> bool {
    CLUSTER_WIDE.iter().any(|w| w.name == name)
}

/// The value of a cluster-wide parameter: the dynamic one when valid, else the default.
/// `wal_keep_segments` (before PostgreSQL 13) becomes `wal_keep_size` when that is unset.
fn cluster_wide(
    wide: &ClusterWide,
    dynamic: &BTreeMap<String, Value>,
    warnings: &mut Vec<String>,
) -> String {
    let value = dynamic.get(wide.name).filter(|v| !v.is_null());
    let Some(value) = value else {
        if wide.name == "wal_keep_size" {
            if let Some(segments) = dynamic.get("wal_keep_segments").and_then(integer) {
                return format!("{}MB", segments.max(1) * 16);
            }
        }
        return wide.default.to_string();
    };
    match guc_text(value).filter(|text| valid(wide.check, text)) {
        Some(text) => text,
        None => {
            warnings.push(format!(
                "config postgresql.parameters.{} = {value} is not valid ({}); using {}",
                wide.name,
                describe(wide.check),
                wide.default
            ));
            wide.default.to_string()
        }
    }
}

fn valid(check: Check, text: &str) -> bool {
    match check {
        Check::AtLeast(min) => text.trim().parse::<i64>().is_ok_and(|n| n >= min),
        Check::MegabytesAtLeast(min) => megabytes(text).is_some_and(|mb| mb >= min as f64),
        Check::OneOf(words) => words.contains(&text.trim().to_ascii_lowercase().as_str()),
        Check::Bool => crate::config::coerce::bool_word(text).is_some(),
    }
}

fn describe(check: Check) -> String {
    match check {
        Check::AtLeast(min) => format!("an integer of at least {min}"),
        Check::MegabytesAtLeast(min) => format!("a size of at least {min}MB"),
        Check::OneOf(words) => format!("one of {}", words.join(", ")),
        Check::Bool => "a boolean".to_string(),
    }
}

/// A size in megabytes: a bare number is megabytes; `kB`, `MB`, `GB`, `TB` units.
fn megabytes(text: &str) -> Option<f64> {
    let (number, unit) = super::coerce::number_and_unit(text)?;
    let factor = match unit {
        "" | "MB" => 1.0,
        "kB" => 1.0 / 1024.0,
        "GB" => 1024.0,
        "TB" => 1024.0 * 1024.0,
        _ => return None,
    };
    Some(number * factor)
}

fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A parameter value as PostgreSQL text: strings as they are, numbers printed, booleans
/// `on`/`off`; `None` for lists, objects and null.
pub fn guc_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "on" } else { "off" }.to_string()),
        _ => None,
    }
}

/// The node's `recovery_conf` when set, else the dynamic one, as text.
fn recovery_conf(
    local: &BTreeMap<String, Value>,
    dynamic: &PostgresqlDynamic,
    warnings: &mut Vec<String>,
) -> BTreeMap<String, String> {
    let (source, map) = if local.is_empty() {
        match dynamic.extra.get("recovery_conf") {
            Some(Value::Object(map)) => ("config postgresql", map.clone().into_iter().collect()),
            None | Some(Value::Null) => return BTreeMap::new(),
            Some(other) => {
                warnings.push(format!(
                    "config postgresql.recovery_conf is ignored: expected a mapping, got {other}"
                ));
                return BTreeMap::new();
            }
        }
    } else {
        ("postgresql", local.clone())
    };
    let mut out = BTreeMap::new();
    for (name, value) in map {
        let key = format!("{source}.recovery_conf.{name}");
        if agent_recovery_key(&name) {
            warnings.push(format!("{key} is ignored: pg-ha sets it itself"));
            continue;
        }
        match guc_text(&value) {
            Some(text) => {
                out.insert(name, text);
            }
            None => warnings.push(format!("{key} is ignored: expected a scalar, got {value}")),
        }
    }
    out
}

/// The local lines when set, else the dynamic section's `name` list.
fn lines(
    name: &str,
    local: &[String],
    dynamic: &PostgresqlDynamic,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    if !local.is_empty() {
        return local.to_vec();
    }
    match dynamic.extra.get(name) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        Some(other) => {
            warnings.push(format!(
                "config postgresql.{name} is ignored: expected a list of strings, got {other}"
            ));
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dynamic(params: Value, extra: Value) -> PostgresqlDynamic {
        let mut section = json!({ "parameters": params });
        if let (Some(s), Some(e)) = (section.as_object_mut(), extra.as_object()) {
            s.extend(e.clone());
        }
        PostgresqlDynamic::from_json(&section).expect("valid section")
    }

    fn local(params: Value) -> LocalServerConfig {
        LocalServerConfig {
            parameters: serde_json::from_value(params).expect("object"),
            ..LocalServerConfig::default()
        }
    }

    #[test]
    fn local_parameters_override_dynamic_ones_but_not_cluster_wide_ones() {
        let dynamic = dynamic(
            json!({"work_mem": "4MB", "max_connections": 60, "shared_buffers": "64MB"}),
            json!({}),
        );
        let local = local(json!({"work_mem": "8MB", "max_connections": 500, "port": 1}));
        let (config, warnings) = ServerConfig::effective(&dynamic, &local);
        assert_eq!(config.parameters["work_mem"], "8MB");
        assert_eq!(config.parameters["shared_buffers"], "64MB");
        assert_eq!(config.parameters["max_connections"], "60");
        assert!(!config.parameters.contains_key("port"));
        assert_eq!(config.parameters["max_worker_processes"], "8");
        assert_eq!(config.parameters["wal_level"], "replica");
        assert!(warnings
            .iter()
            .any(|w| w.contains("postgresql.parameters.max_connections")));
        assert!(warnings.iter().any(|w| w.contains("parameters.port")));
    }

    #[test]
    fn the_agent_s_defaults_apply_unless_a_section_sets_the_parameter() {
        let none = ServerConfig::effective(&dynamic(json!({}), json!({})), &local(json!({}))).0;
        assert_eq!(none.parameters["wal_retrieve_retry_interval"], "500ms");
        let set = json!({"wal_retrieve_retry_interval": "5s"});
        let by_config =
            ServerConfig::effective(&dynamic(set.clone(), json!({})), &local(json!({})));
        assert_eq!(by_config.0.parameters["wal_retrieve_retry_interval"], "5s");
        let by_node = ServerConfig::effective(&dynamic(json!({}), json!({})), &local(set));
        assert_eq!(by_node.0.parameters["wal_retrieve_retry_interval"], "5s");
    }

    #[test]
    fn invalid_cluster_wide_values_fall_back_to_the_default() {
        let dynamic = dynamic(
            json!({"max_connections": 10, "wal_level": "minimal", "wal_keep_size": "1GB",
                   "track_commit_timestamp": "maybe"}),
            json!({}),
        );
        let (config, warnings) = ServerConfig::effective(&dynamic, &LocalServerConfig::default());
        assert_eq!(config.parameters["max_connections"], "100");
        assert_eq!(config.parameters["wal_level"], "replica");
        assert_eq!(config.parameters["wal_keep_size"], "1GB");
        assert_eq!(config.parameters["track_commit_timestamp"], "off");
        assert_eq!(warnings.len(), 3, "{warnings:?}");
    }

    #[test]
    fn wal_keep_segments_becomes_wal_keep_size() {
        let dynamic = dynamic(json!({"wal_keep_segments": 32}), json!({}));
        let (config, _) = ServerConfig::effective(&dynamic, &LocalServerConfig::default());
        assert_eq!(config.parameters["wal_keep_size"], "512MB");
        assert!(!config.parameters.contains_key("wal_keep_segments"));
    }

    #[test]
    fn local_hba_wins_and_empty_everywhere_means_unmanaged() {
        let hba = json!({"pg_hba": ["host all all 10.0.0.0/8 scram-sha-256"]});
        let with_dynamic = dynamic(json!({}), hba);
        let none = LocalServerConfig::default();
        let (config, _) = ServerConfig::effective(&with_dynamic, &none);
        assert_eq!(config.pg_hba, ["host all all 10.0.0.0/8 scram-sha-256"]);
        let mine = LocalServerConfig {
            pg_hba: vec!["local all all trust".into()],
            ..LocalServerConfig::default()
        };
        let (config, _) = ServerConfig::effective(&with_dynamic, &mine);
        assert_eq!(config.pg_hba, ["local all all trust"]);
        let (config, _) = ServerConfig::effective(&dynamic(json!({}), json!({})), &none);
        assert!(config.pg_hba.is_empty() && config.pg_ident.is_empty());
        let bad = dynamic(json!({}), json!({"pg_ident": "x"}));
        let (config, warnings) = ServerConfig::effective(&bad, &none);
        assert!(config.pg_ident.is_empty());
        assert!(warnings[0].contains("config postgresql.pg_ident"));
    }

    #[test]
    fn recovery_conf_comes_from_the_node_else_the_dynamic_section() {
        let shared = json!({"recovery_conf": {"restore_command": "cp /a/%f %p",
            "recovery_target_time": "2026-01-01", "recovery_min_apply_delay": "5min"}});
        let with_dynamic = dynamic(json!({}), shared);
        let (config, warnings) =
            ServerConfig::effective(&with_dynamic, &LocalServerConfig::default());
        assert_eq!(config.recovery_conf["restore_command"], "cp /a/%f %p");
        assert_eq!(config.recovery_conf["recovery_min_apply_delay"], "5min");
        assert!(!config.recovery_conf.contains_key("recovery_target_time"));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let mine = LocalServerConfig {
            recovery_conf: BTreeMap::from([("restore_command".into(), json!("true"))]),
            ..LocalServerConfig::default()
        };
        let (config, _) = ServerConfig::effective(&with_dynamic, &mine);
        assert_eq!(config.recovery_conf.len(), 1);
        assert_eq!(config.recovery_conf["restore_command"], "true");
    }

    #[test]
    fn non_scalar_values_are_skipped_with_a_warning() {
        let dynamic = dynamic(
            json!({"work_mem": ["4MB"], "wal_log_hints": false}),
            json!({}),
        );
        let (config, warnings) = ServerConfig::effective(&dynamic, &LocalServerConfig::default());
        assert!(!config.parameters.contains_key("work_mem"));
        assert_eq!(config.parameters["wal_log_hints"], "off");
        assert_eq!(warnings.len(), 1);
    }
}
