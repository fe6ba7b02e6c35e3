//! `PATRONI_*` environment variables to a configuration tree, with Patroni's mapping rules
//! (spec 5.3, Patroni's `Config._build_environment_configuration`).

use super::yaml::{parse_env_dict, parse_env_list};
use super::ConfigWarning;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The prefix of every variable read.
pub const ENV_PREFIX: &str = "PATRONI_";

/// The variable that holds a whole YAML configuration.
pub const CONFIGURATION_VAR: &str = "PATRONI_CONFIGURATION";

const RESTAPI_KEYS: [&str; 14] = [
    "listen",
    "connect_address",
    "certfile",
    "keyfile",
    "keyfile_password",
    "cafile",
    "ciphers",
    "verify_client",
    "http_extra_headers",
    "https_extra_headers",
    "allowlist",
    "allowlist_include_members",
    "request_queue_size",
    "server_tokens",
];
const CTL_KEYS: [&str; 5] = [
    "insecure",
    "cacert",
    "certfile",
    "keyfile",
    "keyfile_password",
];
const POSTGRESQL_KEYS: [&str; 7] = [
    "listen",
    "connect_address",
    "proxy_address",
    "config_dir",
    "data_dir",
    "pgpass",
    "bin_dir",
];
const LOG_KEYS: [&str; 13] = [
    "type",
    "level",
    "traceback_level",
    "format",
    "dateformat",
    "static_fields",
    "max_queue_size",
    "dir",
    "mode",
    "file_size",
    "file_num",
    "loggers",
    "deduplicate_heartbeat_logs",
];
const BINARIES: [&str; 7] = [
    "pg_ctl",
    "initdb",
    "pg_controldata",
    "pg_basebackup",
    "postgres",
    "pg_isready",
    "pg_rewind",
];
const DCS_SUFFIXES: [&str; 41] = [
    "HOST",
    "HOSTS",
    "PORT",
    "USE_PROXIES",
    "PROTOCOL",
    "SRV",
    "SRV_SUFFIX",
    "URL",
    "PROXY",
    "CACERT",
    "CERT",
    "KEY",
    "VERIFY",
    "TOKEN",
    "CHECKS",
    "DC",
    "CONSISTENCY",
    "REGISTER_SERVICE",
    "SERVICE_CHECK_INTERVAL",
    "SERVICE_CHECK_TLS_SERVER_NAME",
    "SERVICE_TAGS",
    "NAMESPACE",
    "CONTEXT",
    "USE_ENDPOINTS",
    "SCOPE_LABEL",
    "ROLE_LABEL",
    "POD_IP",
    "PORTS",
    "LABELS",
    "BYPASS_API_SERVICE",
    "RETRIABLE_HTTP_CODES",
    "KEY_PASSWORD",
    "USE_SSL",
    "SET_ACLS",
    "GROUP",
    "DATABASE",
    "LEADER_LABEL_VALUE",
    "FOLLOWER_LABEL_VALUE",
    "STANDBY_LEADER_LABEL_VALUE",
    "TMP_ROLE_LABEL",
    "AUTH_DATA",
];

/// The `PATRONI_*` variables of the process environment (names and values that are not
/// UTF-8 are skipped).
pub fn process_env() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| k.starts_with(ENV_PREFIX))
        .collect()
}

/// The variables still to be read, by name without the prefix.
struct Vars(BTreeMap<String, String>);

impl Vars {
    /// Removes and returns `PATRONI_<NAME>` if set and not empty.
    fn pop(&mut self, name: &str) -> Option<String> {
        self.0
            .remove(&name.to_ascii_uppercase())
            .filter(|v| !v.is_empty())
    }
}

/// The configuration tree built from the variables, and warnings for values that do not
/// parse (Patroni drops them too).
pub(crate) fn env_config(vars: &[(String, String)]) -> (Value, Vec<ConfigWarning>) {
    let mut vars = Vars(
        vars.iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(ENV_PREFIX)?.to_string(), v.clone())))
            .collect(),
    );
    let mut out = EnvTree::default();
    for key in ["name", "namespace", "scope"] {
        if let Some(v) = vars.pop(key) {
            out.set(&[key], Value::String(v));
        }
    }
    for key in ["thread_pool_size", "thread_stack_size"] {
        if let Some(v) = vars.pop(key) {
            out.set(&[key], Value::String(v));
        }
    }
    fix_log_names(&mut vars);
    section_values(&mut vars, &mut out, "restapi", &RESTAPI_KEYS);
    section_values(&mut vars, &mut out, "ctl", &CTL_KEYS);
    section_values(&mut vars, &mut out, "postgresql", &POSTGRESQL_KEYS);
    section_values(&mut vars, &mut out, "log", &LOG_KEYS);
    for binary in BINARIES {
        if let Some(v) = vars.pop(&format!("POSTGRESQL_BIN_{binary}")) {
            out.set(&["postgresql", "bin_name", binary], Value::String(v));
        }
    }
    convert_section_values(&mut out);
    authentication(&mut vars, &mut out);
    dcs_values(&mut vars, &mut out);
    (Value::Object(out.root), out.warnings)
}

/// The old `PATRONI_LOGLEVEL`, `LOGFORMAT` and `LOG_DATEFMT` names.
fn fix_log_names(vars: &mut Vars) {
    for (new, old) in [
        ("LOG_LEVEL", "LOGLEVEL"),
        ("LOG_FORMAT", "LOGFORMAT"),
        ("LOG_DATEFORMAT", "LOG_DATEFMT"),
    ] {
        if let Some(v) = vars.pop(old) {
            vars.0.entry(new.to_string()).or_insert(v);
        }
    }
}

fn section_values(vars: &mut Vars, out: &mut EnvTree, section: &str, keys: &[&str]) {
    for key in keys {
        if let Some(v) = vars.pop(&format!("{section}_{key}")) {
            out.set(&[section, key], Value::String(v));
        }
    }
}

/// Booleans, integers, lists and mappings among the plain section values.
fn convert_section_values(out: &mut EnvTree) {
    let bools = [
        ("restapi", "allowlist_include_members"),
        ("ctl", "insecure"),
    ];
    let ints = [
        ("restapi", "request_queue_size"),
        ("log", "max_queue_size"),
        ("log", "file_size"),
        ("log", "file_num"),
        ("log", "mode"),
    ];
    let lists = [("restapi", "allowlist")];
    let dicts = [
        ("restapi", "http_extra_headers"),
        ("restapi", "https_extra_headers"),
        ("log", "static_fields"),
        ("log", "loggers"),
    ];
    for (section, key) in bools {
        out.convert(section, key, "a boolean", parse_bool_text);
    }
    for (section, key) in ints {
        out.convert(section, key, "an integer", |t| {
            t.trim().parse::<i64>().ok().map(Value::from)
        });
    }
    for (section, key) in lists {
        out.convert(section, key, "a YAML list", parse_env_list);
    }
    for (section, key) in dicts {
        out.convert(section, key, "a YAML mapping", parse_env_dict);
    }
}

fn parse_bool_text(text: &str) -> Option<Value> {
    super::section::parse_bool(&Value::String(text.to_string())).map(Value::Bool)
}

/// `PATRONI_{RESTAPI,CTL}_{USERNAME,PASSWORD}` and
/// `PATRONI_{SUPERUSER,REPLICATION,REWIND}_{USERNAME,PASSWORD,SSLMODE,...}`.
fn authentication(vars: &mut Vars, out: &mut EnvTree) {
    for section in ["ctl", "restapi"] {
        for key in ["username", "password"] {
            if let Some(v) = vars.pop(&format!("{section}_{key}")) {
                out.set(&[section, "authentication", key], Value::String(v));
            }
        }
    }
    for user in ["replication", "superuser", "rewind"] {
        let keys = ["username", "password"].into_iter();
        for key in keys.chain(super::postgresql_keys::CONNECTION_OPTIONS) {
            if let Some(v) = vars.pop(&format!("{user}_{key}")) {
                out.set(
                    &["postgresql", "authentication", user, key],
                    Value::String(v),
                );
            }
        }
    }
}

/// `PATRONI_<DCS>_<SUFFIX>`: any remaining variable whose suffix is a known DCS setting.
/// `PATRONI_ETCD[3]_USERNAME` / `_PASSWORD` apply only when the section came from the
/// environment too, as in Patroni.
fn dcs_values(vars: &mut Vars, out: &mut EnvTree) {
    let names: Vec<String> = vars.0.keys().cloned().collect();
    for var in names {
        let Some((name, suffix)) = var.split_once('_') else {
            continue;
        };
        if name.is_empty() || !DCS_SUFFIXES.contains(&suffix) {
            continue;
        }
        let Some(text) = vars.pop(&var) else {
            continue;
        };
        let section = name.to_ascii_lowercase();
        let key = suffix.to_ascii_lowercase();
        match dcs_value(suffix, &text) {
            Some(value) => out.set(&[&section, &key], value),
            None => out.warn_unparsable(&format!("{ENV_PREFIX}{var}"), expected_form(suffix)),
        }
    }
    for dcs in ["etcd", "etcd3"] {
        if !out.root.contains_key(dcs) {
            continue;
        }
        for key in ["username", "password"] {
            if let Some(v) = vars.pop(&format!("{dcs}_{key}")) {
                out.set(&[dcs, key], Value::String(v));
            }
        }
    }
}

fn dcs_value(suffix: &str, text: &str) -> Option<Value> {
    match suffix {
        "PORT" => text.trim().parse::<u64>().ok().map(Value::from),
        "HOSTS" | "PORTS" | "CHECKS" | "SERVICE_TAGS" | "RETRIABLE_HTTP_CODES" => {
            parse_env_list(text)
        }
        "LABELS" | "SET_ACLS" | "AUTH_DATA" => parse_env_dict(text),
        "USE_PROXIES" | "REGISTER_SERVICE" | "USE_ENDPOINTS" | "BYPASS_API_SERVICE" | "VERIFY" => {
            parse_bool_text(text)
        }
        _ => Some(Value::String(text.to_string())),
    }
}

fn expected_form(suffix: &str) -> &'static str {
    match suffix {
        "PORT" => "a port number",
        "LABELS" | "SET_ACLS" | "AUTH_DATA" => "a YAML mapping",
        "HOSTS" | "PORTS" | "CHECKS" | "SERVICE_TAGS" | "RETRIABLE_HTTP_CODES" => "a YAML list",
        _ => "a boolean",
    }
}

/// The tree under construction.
#[derive(Default)]
struct EnvTree {
    root: Map<String, Value>,
    warnings: Vec<ConfigWarning>,
}

impl EnvTree {
    fn set(&mut self, path: &[&str], value: Value) {
        let Some((last, parents)) = path.split_last() else {
            return;
        };
        let mut map = &mut self.root;
        for part in parents {
            let entry = map
                .entry(part.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            let Value::Object(next) = entry else {
                return;
            };
            map = next;
        }
        map.insert(last.to_string(), value);
    }

    /// Replaces the text at `section.key` by `parse(text)`, or drops it with a warning.
    fn convert(
        &mut self,
        section: &str,
        key: &str,
        form: &str,
        parse: impl Fn(&str) -> Option<Value>,
    ) {
        let Some(Value::Object(map)) = self.root.get_mut(section) else {
            return;
        };
        let Some(Value::String(text)) = map.remove(key) else {
            return;
        };
        match parse(&text) {
            Some(value) => {
                map.insert(key.to_string(), value);
            }
            None => {
                let var = format!("{ENV_PREFIX}{}_{}", section, key).to_ascii_uppercase();
                self.warn_unparsable(&var, form);
            }
        }
    }

    fn warn_unparsable(&mut self, var: &str, form: &str) {
        self.warnings.push(ConfigWarning::new(
            var,
            format!("expected {form}: the variable is ignored"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(pairs: &[(&str, &str)]) -> Value {
        let vars: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        env_config(&vars).0
    }

    #[test]
    fn plain_sections_and_auth() {
        let v = env(&[
            ("PATRONI_NAME", "n1"),
            ("PATRONI_SCOPE", "demo"),
            ("PATRONI_RESTAPI_LISTEN", "0.0.0.0:8008"),
            ("PATRONI_RESTAPI_USERNAME", "admin"),
            ("PATRONI_RESTAPI_PASSWORD", "secret"),
            ("PATRONI_POSTGRESQL_DATA_DIR", "/data"),
            ("PATRONI_POSTGRESQL_BIN_PG_CTL", "/bin/pg_ctl"),
            ("PATRONI_SUPERUSER_USERNAME", "postgres"),
            ("PATRONI_REPLICATION_SSLMODE", "require"),
            ("PATRONI_LOGLEVEL", "DEBUG"),
            ("PATRONI_CTL_INSECURE", "yes"),
            ("PATRONI_EMPTY_HOST", ""),
            ("OTHER", "x"),
        ]);
        assert_eq!(
            v,
            json!({
                "name": "n1", "scope": "demo",
                "restapi": {"listen": "0.0.0.0:8008",
                            "authentication": {"username": "admin", "password": "secret"}},
                "postgresql": {"data_dir": "/data", "bin_name": {"pg_ctl": "/bin/pg_ctl"},
                               "authentication": {"superuser": {"username": "postgres"},
                                                  "replication": {"sslmode": "require"}}},
                "log": {"level": "DEBUG"},
                "ctl": {"insecure": true},
            })
        );
    }

    #[test]
    fn dcs_values_are_typed() {
        let v = env(&[
            ("PATRONI_ETCD3_HOSTS", "'h1:2379','h2:2379'"),
            ("PATRONI_ETCD3_USERNAME", "u"),
            ("PATRONI_CONSUL_PORT", "8500"),
            ("PATRONI_CONSUL_REGISTER_SERVICE", "on"),
            ("PATRONI_ZOOKEEPER_SET_ACLS", "admin: [ALL]"),
            ("PATRONI_ETCD_PASSWORD", "ignored without an etcd section"),
        ]);
        assert_eq!(
            v,
            json!({
                "etcd3": {"hosts": ["h1:2379", "h2:2379"], "username": "u"},
                "consul": {"port": 8500, "register_service": true},
                "zookeeper": {"set_acls": {"admin": ["ALL"]}},
            })
        );
    }

    #[test]
    fn unparsable_values_warn() {
        let vars = vec![
            ("PATRONI_CONSUL_PORT".to_string(), "eighty".to_string()),
            (
                "PATRONI_RESTAPI_REQUEST_QUEUE_SIZE".to_string(),
                "x".to_string(),
            ),
        ];
        let (v, warnings) = env_config(&vars);
        assert_eq!(v, json!({"restapi": {}}));
        let keys: Vec<&str> = warnings.iter().map(|w| w.key.as_str()).collect();
        assert_eq!(
            keys,
            ["PATRONI_RESTAPI_REQUEST_QUEUE_SIZE", "PATRONI_CONSUL_PORT"]
        );
    }
}
