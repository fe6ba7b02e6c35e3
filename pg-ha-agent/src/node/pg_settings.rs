//! Maps Patroni's `postgresql` and `bootstrap` sections onto [`PgSettings`].

use crate::config::AgentConfig;
use crate::postgres::{
    BootstrapMethod, Callbacks, Credentials, Hooks, PgSettings, ReplicaMethod, ToolOption,
};
use pg_ha_core::config::{LocalServerConfig, ServerConfig};
use pg_ha_core::{ConfigError, DynamicConfig};
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::time::Duration;

/// PostgreSQL settings for this node from its config and the dynamic config in force.
pub fn pg_settings(cfg: &AgentConfig, dynamic: &DynamicConfig) -> Result<PgSettings, ConfigError> {
    let pg = cfg.postgresql_raw();
    let section = pg.as_object().cloned().unwrap_or_default();
    let defaults = PgSettings::default();
    let local = local_server_config(&section)?;
    let (initial, _) = ServerConfig::effective(&dynamic.postgresql, &local);
    let bootstrap = cfg
        .bootstrap
        .as_ref()
        .map(|b| b.raw.clone())
        .unwrap_or(Value::Null);
    Ok(PgSettings {
        bin_dir: path(&section, "bin_dir")?.unwrap_or(defaults.bin_dir),
        data_dir: path(&section, "data_dir")?.ok_or_else(|| {
            ConfigError::new("postgresql.data_dir", "is required: the data directory")
        })?,
        listen: text(&section, "listen")?.unwrap_or(defaults.listen),
        connect_address: text(&section, "connect_address")?,
        scope: cfg.scope.clone(),
        name: cfg.name.clone(),
        superuser: credentials(&section, "superuser")?.unwrap_or(defaults.superuser),
        replication: credentials(&section, "replication")?.unwrap_or(defaults.replication),
        rewind: credentials(&section, "rewind")?,
        parameters: initial.parameters,
        pg_hba: initial.pg_hba,
        pg_ident: initial.pg_ident,
        recovery_conf: initial.recovery_conf,
        local,
        run_as: text(&section, "run_as")?,
        bootstrap_method: bootstrap_method(&bootstrap)?,
        initdb: initdb_options(&bootstrap)?.unwrap_or(defaults.initdb),
        post_bootstrap: bootstrap
            .get("post_bootstrap")
            .or_else(|| bootstrap.get("post_init"))
            .and_then(Value::as_str)
            .map(str::to_string),
        create_replica_methods: replica_methods(&section)?,
        basebackup: tool_options("postgresql.basebackup", section.get("basebackup"))?
            .unwrap_or(defaults.basebackup),
        rewind_options: tool_options("postgresql.rewind", section.get("rewind"))?
            .unwrap_or_default(),
        callbacks: callbacks(&section)?,
        hooks: Hooks {
            pre_promote: text(&section, "pre_promote")?,
            before_stop: text(&section, "before_stop")?,
        },
        use_slots: dynamic.postgresql.use_slots,
        pg_ctl_timeout: seconds(&section, "pg_ctl_timeout")?.unwrap_or(defaults.pg_ctl_timeout),
        remove_data_directory_on_rewind_failure: flag(
            &section,
            "remove_data_directory_on_rewind_failure",
        ),
        expected_sysid: None,
        fence_binary: None,
        status_timeout: defaults.status_timeout,
        use_unix_socket: flag(&section, "use_unix_socket"),
        config_dir: path(&section, "config_dir")?,
        custom_conf: path(&section, "custom_conf")?,
        bin_name: bin_name(&section)?,
    })
}

fn key(name: &str) -> String {
    format!("postgresql.{name}")
}

fn text(section: &Map<String, Value>, name: &str) -> Result<Option<String>, ConfigError> {
    match section.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(ConfigError::new(
            key(name),
            format!("expected a string, got {other}"),
        )),
    }
}

fn path(section: &Map<String, Value>, name: &str) -> Result<Option<PathBuf>, ConfigError> {
    Ok(text(section, name)?.map(PathBuf::from))
}

fn flag(section: &Map<String, Value>, name: &str) -> bool {
    section
        .get(name)
        .is_some_and(|v| crate::config::parse_bool(v).unwrap_or(false))
}

fn seconds(section: &Map<String, Value>, name: &str) -> Result<Option<Duration>, ConfigError> {
    match section.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .filter(|s| *s >= 0.0)
            .map(|s| Some(Duration::from_secs_f64(s)))
            .ok_or_else(|| ConfigError::new(key(name), format!("expected seconds, got {v}"))),
    }
}

/// `bin_name`: `{program: file name}`.
fn bin_name(
    section: &Map<String, Value>,
) -> Result<std::collections::BTreeMap<String, String>, ConfigError> {
    let Some(value) = section.get("bin_name").filter(|v| !v.is_null()) else {
        return Ok(Default::default());
    };
    let map = value.as_object().ok_or_else(|| {
        ConfigError::new(key("bin_name"), format!("expected a mapping, got {value}"))
    })?;
    map.iter()
        .map(|(program, file)| match file.as_str() {
            Some(name) if !name.contains('/') && !name.is_empty() => {
                Ok((program.clone(), name.to_string()))
            }
            _ => Err(ConfigError::new(
                format!("postgresql.bin_name.{program}"),
                format!("expected a file name in bin_dir, got {file}"),
            )),
        })
        .collect()
}

fn strings(section: &Map<String, Value>, name: &str) -> Result<Option<Vec<String>>, ConfigError> {
    match section.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ConfigError::new(key(name), "expected a list of strings"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(other) => Err(ConfigError::new(
            key(name),
            format!("expected a list of strings, got {other}"),
        )),
    }
}

fn credentials(
    section: &Map<String, Value>,
    role: &str,
) -> Result<Option<Credentials>, ConfigError> {
    let Some(auth) = section.get("authentication").and_then(|a| a.get(role)) else {
        return Ok(None);
    };
    let name = format!("postgresql.authentication.{role}.username");
    let username = auth
        .get("username")
        .and_then(Value::as_str)
        .ok_or_else(|| ConfigError::new(name, "is required"))?;
    let password = auth.get("password").and_then(|p| match p {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    let connection = crate::config::CONNECTION_OPTIONS
        .iter()
        .filter_map(|option| {
            let value = match auth.get(*option)? {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            Some((option.to_string(), value))
        })
        .collect();
    Ok(Some(Credentials {
        username: username.to_string(),
        password,
        connection,
    }))
}

/// The node's own `parameters`, `pg_hba` and `pg_ident` from its `postgresql` section.
pub(super) fn local_config_of(cfg: &AgentConfig) -> Result<LocalServerConfig, ConfigError> {
    let section = cfg
        .postgresql_raw()
        .as_object()
        .cloned()
        .unwrap_or_default();
    local_server_config(&section)
}

/// The node's own `parameters`, `pg_hba` and `pg_ident` (merged with the dynamic ones at
/// every change: [`ServerConfig::effective`]).
fn local_server_config(section: &Map<String, Value>) -> Result<LocalServerConfig, ConfigError> {
    let parameters = match section.get("parameters") {
        None | Some(Value::Null) => Default::default(),
        Some(Value::Object(map)) => {
            for (name, value) in map {
                guc_text(&format!("postgresql.parameters.{name}"), value)?;
            }
            map.clone().into_iter().collect()
        }
        Some(other) => {
            return Err(ConfigError::new(
                "postgresql.parameters",
                format!("expected a mapping, got {other}"),
            ))
        }
    };
    Ok(LocalServerConfig {
        parameters,
        pg_hba: strings(section, "pg_hba")?.unwrap_or_default(),
        pg_ident: strings(section, "pg_ident")?.unwrap_or_default(),
        recovery_conf: match section.get("recovery_conf") {
            None | Some(Value::Null) => Default::default(),
            Some(Value::Object(map)) => map.clone().into_iter().collect(),
            Some(other) => {
                return Err(ConfigError::new(
                    "postgresql.recovery_conf",
                    format!("expected a mapping, got {other}"),
                ))
            }
        },
    })
}

/// [`pg_ha_core::config::guc_text`], with an error naming `name` for a non-scalar.
fn guc_text(name: &str, value: &Value) -> Result<String, ConfigError> {
    pg_ha_core::config::guc_text(value)
        .ok_or_else(|| ConfigError::new(name, format!("expected a scalar, got {value}")))
}

fn bootstrap_method(bootstrap: &Value) -> Result<BootstrapMethod, ConfigError> {
    let Some(method) = bootstrap.get("method").and_then(Value::as_str) else {
        return Ok(BootstrapMethod::Initdb);
    };
    if method == "initdb" {
        return Ok(BootstrapMethod::Initdb);
    }
    let spec = bootstrap.get(method);
    let command = spec
        .and_then(|s| s.get("command"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ConfigError::new(
                format!("bootstrap.{method}.command"),
                "is required for a custom bootstrap method",
            )
        })?;
    let on = |k: &str| {
        spec.and_then(|s| s.get(k))
            .is_some_and(|v| crate::config::parse_bool(v).unwrap_or(false))
    };
    Ok(BootstrapMethod::Custom {
        command: command.to_string(),
        no_params: on("no_params"),
        keep_existing_recovery_conf: on("keep_existing_recovery_conf"),
        recovery_conf: bootstrap_recovery_conf(method, spec)?,
    })
}

/// `bootstrap.<method>.recovery_conf` as PostgreSQL text; `recovery_target_action` is
/// `promote` unless set (as on Patroni: a paused recovery would never end the bootstrap).
fn bootstrap_recovery_conf(
    method: &str,
    spec: Option<&Value>,
) -> Result<std::collections::BTreeMap<String, String>, ConfigError> {
    let Some(conf) = spec
        .and_then(|s| s.get("recovery_conf"))
        .filter(|v| !v.is_null())
    else {
        return Ok(Default::default());
    };
    let map = conf.as_object().ok_or_else(|| {
        ConfigError::new(
            format!("bootstrap.{method}.recovery_conf"),
            format!("expected a mapping, got {conf}"),
        )
    })?;
    let mut out = std::collections::BTreeMap::new();
    for (name, value) in map {
        let text = pg_ha_core::config::guc_text(value).ok_or_else(|| {
            ConfigError::new(
                format!("bootstrap.{method}.recovery_conf.{name}"),
                format!("expected a scalar, got {value}"),
            )
        })?;
        out.insert(name.clone(), text);
    }
    out.entry("recovery_target_action".into())
        .or_insert_with(|| "promote".into());
    Ok(out)
}

fn initdb_options(bootstrap: &Value) -> Result<Option<Vec<ToolOption>>, ConfigError> {
    tool_options("bootstrap.initdb", bootstrap.get("initdb"))
}

/// Patroni's option lists: `["data-checksums", {"encoding": "UTF8"}]` or a mapping.
fn tool_options(name: &str, value: Option<&Value>) -> Result<Option<Vec<ToolOption>>, ConfigError> {
    let mut out = Vec::new();
    match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => {
            for item in items {
                match item {
                    Value::String(flag) => out.push(ToolOption::flag(flag)),
                    Value::Object(map) => push_pairs(name, map, &mut out)?,
                    other => {
                        return Err(ConfigError::new(name, format!("unexpected item {other}")))
                    }
                }
            }
        }
        Some(Value::Object(map)) => push_pairs(name, map, &mut out)?,
        Some(other) => {
            return Err(ConfigError::new(
                name,
                format!("expected a list or mapping, got {other}"),
            ))
        }
    }
    Ok(Some(out))
}

fn push_pairs(
    name: &str,
    map: &Map<String, Value>,
    out: &mut Vec<ToolOption>,
) -> Result<(), ConfigError> {
    for (k, v) in map {
        out.push(ToolOption::value(k, &guc_text(&format!("{name}.{k}"), v)?));
    }
    Ok(())
}

fn replica_methods(section: &Map<String, Value>) -> Result<Vec<ReplicaMethod>, ConfigError> {
    let Some(names) = strings(section, "create_replica_methods")? else {
        return Ok(vec![ReplicaMethod::Basebackup]);
    };
    names
        .iter()
        .map(|name| {
            if name == "basebackup" {
                return Ok(ReplicaMethod::Basebackup);
            }
            let spec = section.get(name);
            let command = spec
                .and_then(|s| s.get("command"))
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    ConfigError::new(
                        key(&format!("{name}.command")),
                        "is required for a replica method",
                    )
                })?;
            let on = |k: &str| {
                spec.and_then(|s| s.get(k))
                    .is_some_and(|v| crate::config::parse_bool(v).unwrap_or(false))
            };
            Ok(ReplicaMethod::Custom {
                name: name.clone(),
                command: command.to_string(),
                no_params: on("no_params"),
                keep_data: on("keep_data"),
                no_leader: on("no_leader") || on("no_master"),
                params: method_params(spec),
            })
        })
        .collect()
}

/// A replica method's keys besides the reserved ones, as text (Patroni passes them to the
/// command as `--key=value`).
fn method_params(spec: Option<&Value>) -> Vec<(String, String)> {
    let reserved = [
        "command",
        "no_params",
        "keep_data",
        "no_leader",
        "no_master",
    ];
    let Some(map) = spec.and_then(Value::as_object) else {
        return Vec::new();
    };
    map.iter()
        .filter(|(k, _)| !reserved.contains(&k.as_str()))
        .filter_map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some((k.clone(), text))
        })
        .collect()
}

fn callbacks(section: &Map<String, Value>) -> Result<Callbacks, ConfigError> {
    let Some(cb) = section.get("callbacks") else {
        return Ok(Callbacks::default());
    };
    let get = |k: &str| cb.get(k).and_then(Value::as_str).map(str::to_string);
    Ok(Callbacks {
        on_start: get("on_start"),
        on_stop: get("on_stop"),
        on_restart: get("on_restart"),
        on_reload: get("on_reload"),
        on_role_change: get("on_role_change"),
    })
}
