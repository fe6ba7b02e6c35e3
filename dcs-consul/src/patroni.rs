//! Maps Patroni's `consul` configuration section onto [`ConsulConfig`].
//!
//! Accepted keys: `host` (`host[:port]`, default `127.0.0.1:8500`; pg-ha also accepts a
//! comma-separated list of agents), `url` (one URL or a comma-separated list), `port`,
//! `scheme`, `token`, `verify` (only `true`), `cacert`, `cert`, `key`, `dc`, `consistency`
//! (`default`, `consistent`, `stale`), `checks`, and the service registration keys
//! `register_service` (only `false`), `service_tags`, `service_check_interval`,
//! `service_check_tls_server_name` (accepted; they matter only with registration). Any other
//! key is rejected as unknown. Every error names the key.

use crate::config::DEFAULT_WATCH_WAIT;
use crate::config::{Consistency, ConsulConfig, TlsPaths, DEFAULT_NAMESPACE};
use pg_ha_core::ConfigError;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::time::Duration;

const SECTION: &str = "consul";
const DEFAULT_HOST: &str = "127.0.0.1";
const DEFAULT_PORT: u16 = 8500;
const KNOWN_KEYS: [&str; 17] = [
    "host",
    "url",
    "port",
    "scheme",
    "token",
    "verify",
    "cacert",
    "cert",
    "key",
    "dc",
    "consistency",
    "checks",
    "register_service",
    "service_tags",
    "service_check_interval",
    "service_check_tls_server_name",
    "key_password",
];

impl ConsulConfig {
    /// Builds the configuration from Patroni's `consul` section (as JSON), the top-level
    /// `scope` and `namespace` (default `/service`), and `retry_timeout`, which becomes the
    /// per-request deadline.
    pub fn from_patroni(
        section: &Value,
        scope: &str,
        namespace: Option<&str>,
        retry_timeout: Duration,
    ) -> Result<ConsulConfig, ConfigError> {
        let map = section
            .as_object()
            .ok_or_else(|| ConfigError::new(SECTION, "expected a mapping"))?;
        check_keys(map)?;
        let tls = tls(map)?;
        Ok(ConsulConfig {
            agents: agents(map, tls.is_some())?,
            namespace: namespace.unwrap_or(DEFAULT_NAMESPACE).to_string(),
            scope: scope.to_string(),
            token: opt_string(map, "token")?,
            dc: opt_string(map, "dc")?,
            consistency: consistency(map)?,
            checks: checks(map)?,
            request_timeout: retry_timeout,
            watch_wait: DEFAULT_WATCH_WAIT,
            tls,
        })
    }
}

fn key_name(key: &str) -> String {
    format!("{SECTION}.{key}")
}

fn check_keys(map: &Map<String, Value>) -> Result<(), ConfigError> {
    for key in map.keys() {
        if !KNOWN_KEYS.contains(&key.as_str()) {
            return Err(ConfigError::new(key_name(key), "unknown key"));
        }
    }
    if map.contains_key("key_password") {
        return Err(ConfigError::new(
            key_name("key_password"),
            "not supported by pg-ha",
        ));
    }
    if opt_bool(map, "register_service")? == Some(true) {
        return Err(ConfigError::new(
            key_name("register_service"),
            "service registration is not supported by pg-ha",
        ));
    }
    Ok(())
}

fn opt_string(map: &Map<String, Value>, key: &str) -> Result<Option<String>, ConfigError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(ConfigError::new(key_name(key), "expected a string")),
    }
}

/// Patroni's booleans: `true/false`, and the strings `on/yes/1`, `off/no/0`.
fn opt_bool(map: &Map<String, Value>, key: &str) -> Result<Option<bool>, ConfigError> {
    let bad = || ConfigError::new(key_name(key), "expected a boolean");
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" | "1" => Ok(Some(true)),
            "off" | "false" | "no" | "0" => Ok(Some(false)),
            _ => Err(bad()),
        },
        Some(_) => Err(bad()),
    }
}

fn tls(map: &Map<String, Value>) -> Result<Option<TlsPaths>, ConfigError> {
    if opt_bool(map, "verify")? == Some(false) {
        return Err(ConfigError::new(
            key_name("verify"),
            "disabling certificate verification is not supported by pg-ha",
        ));
    }
    let paths = TlsPaths {
        ca: opt_string(map, "cacert")?.map(PathBuf::from),
        cert: opt_string(map, "cert")?.map(PathBuf::from),
        key: opt_string(map, "key")?.map(PathBuf::from),
    };
    match (&paths.cert, &paths.key) {
        (Some(_), None) => return Err(ConfigError::new(key_name("key"), "`cert` needs `key`")),
        (None, Some(_)) => return Err(ConfigError::new(key_name("cert"), "`key` needs `cert`")),
        _ => {}
    }
    Ok((paths != TlsPaths::default()).then_some(paths))
}

/// The agent URLs: `url` if given, else `scheme://host:port` for each host.
fn agents(map: &Map<String, Value>, has_tls: bool) -> Result<Vec<String>, ConfigError> {
    if let Some(url) = opt_string(map, "url")? {
        let urls: Vec<String> = split_list(&url);
        for u in &urls {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(ConfigError::new(
                    key_name("url"),
                    format!("not an http(s) URL: `{u}`"),
                ));
            }
        }
        return non_empty(urls, "url");
    }
    let scheme = match opt_string(map, "scheme")? {
        Some(s) if s == "http" || s == "https" => s,
        Some(s) => {
            return Err(ConfigError::new(
                key_name("scheme"),
                format!("expected http or https, got `{s}`"),
            ))
        }
        None if has_tls => "https".to_string(),
        None => "http".to_string(),
    };
    let port = match opt_string(map, "port")? {
        None => DEFAULT_PORT,
        Some(p) => p
            .parse()
            .map_err(|_| ConfigError::new(key_name("port"), format!("not a port number: `{p}`")))?,
    };
    let hosts = split_list(&opt_string(map, "host")?.unwrap_or_else(|| DEFAULT_HOST.to_string()));
    let urls = hosts
        .iter()
        .map(|h| host_url(h, &scheme, port))
        .collect::<Result<Vec<_>, _>>()?;
    non_empty(urls, "host")
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn non_empty(urls: Vec<String>, key: &str) -> Result<Vec<String>, ConfigError> {
    if urls.is_empty() {
        return Err(ConfigError::new(key_name(key), "no agent given"));
    }
    Ok(urls)
}

fn host_url(host: &str, scheme: &str, port: u16) -> Result<String, ConfigError> {
    let bad = || ConfigError::new(key_name("host"), format!("not `host[:port]`: `{host}`"));
    if host.contains(['/', '@', ' ']) {
        return Err(bad());
    }
    match host.rsplit_once(':') {
        Some((h, _)) if h.contains(':') && !h.ends_with(']') => {
            Ok(format!("{scheme}://[{host}]:{port}"))
        }
        Some((h, p)) if !h.is_empty() && p.parse::<u16>().is_ok() => {
            Ok(format!("{scheme}://{host}"))
        }
        Some(_) => Err(bad()),
        None => Ok(format!("{scheme}://{host}:{port}")),
    }
}

fn consistency(map: &Map<String, Value>) -> Result<Consistency, ConfigError> {
    match opt_string(map, "consistency")?.as_deref() {
        None | Some("default") => Ok(Consistency::Default),
        Some("consistent") => Ok(Consistency::Consistent),
        Some("stale") => Ok(Consistency::Stale),
        Some(other) => Err(ConfigError::new(
            key_name("consistency"),
            format!("expected default, consistent or stale, got `{other}`"),
        )),
    }
}

fn checks(map: &Map<String, Value>) -> Result<Vec<String>, ConfigError> {
    let err = || ConfigError::new(key_name("checks"), "expected a list of check ids");
    match map.get("checks") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(split_list(s)),
        Some(Value::Array(list)) => list
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(err))
            .collect(),
        Some(_) => Err(err()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn build(section: Value) -> Result<ConsulConfig, ConfigError> {
        ConsulConfig::from_patroni(&section, "batman", None, Duration::from_secs(10))
    }

    #[test]
    fn defaults() {
        let cfg = build(json!({})).expect("valid");
        assert_eq!(cfg.agents, vec!["http://127.0.0.1:8500"]);
        assert_eq!(cfg.prefix(), "service/batman/");
        assert_eq!(cfg.consistency, Consistency::Default);
        assert!(cfg.checks.is_empty() && cfg.token.is_none() && cfg.tls.is_none());
    }

    #[test]
    fn hosts_url_token_dc_checks() {
        let cfg = build(json!({"host": "c1:8501, c2", "token": "t", "dc": "dc2",
            "consistency": "consistent", "checks": ["serfHealth"], "register_service": false}))
        .expect("valid");
        assert_eq!(cfg.agents, vec!["http://c1:8501", "http://c2:8500"]);
        assert_eq!(cfg.token.as_deref(), Some("t"));
        assert_eq!(cfg.dc.as_deref(), Some("dc2"));
        assert_eq!(cfg.consistency, Consistency::Consistent);
        assert_eq!(cfg.checks, vec!["serfHealth"]);
        let cfg = build(json!({"url": "https://a:8501,https://b:8501"})).expect("valid");
        assert_eq!(cfg.agents, vec!["https://a:8501", "https://b:8501"]);
    }

    #[test]
    fn tls_makes_https() {
        let cfg =
            build(json!({"host": "c", "port": 8501, "cacert": "/ca", "cert": "/c", "key": "/k"}))
                .expect("valid");
        assert_eq!(cfg.agents, vec!["https://c:8501"]);
        assert_eq!(cfg.tls.expect("tls").ca, Some(PathBuf::from("/ca")));
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            (json!({"hots": "a"}), "consul.hots"),
            (json!({"url": "c:8500"}), "consul.url"),
            (json!({"scheme": "ftp"}), "consul.scheme"),
            (json!({"port": "x"}), "consul.port"),
            (json!({"host": "a b"}), "consul.host"),
            (json!({"host": "a:x"}), "consul.host"),
            (json!({"verify": false}), "consul.verify"),
            (json!({"cert": "/c"}), "consul.key"),
            (json!({"consistency": "strong"}), "consul.consistency"),
            (json!({"checks": 1}), "consul.checks"),
            (json!({"register_service": true}), "consul.register_service"),
            (json!({"key_password": "x"}), "consul.key_password"),
            (json!("x"), "consul"),
        ];
        for (section, key) in cases {
            let err = build(section.clone()).expect_err("must fail");
            assert_eq!(err.key, key, "{section}");
        }
    }
}
