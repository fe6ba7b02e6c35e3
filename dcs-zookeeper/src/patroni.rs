//! Maps Patroni's `zookeeper` configuration section onto [`ZooKeeperConfig`].
//!
//! Accepted keys: `hosts` (a list or a comma-separated string of `host[:port]`, port 2181 by
//! default), `use_ssl`, `cacert`, `cert`, `key`, `verify` (only `true`), `auth_data` (a
//! mapping `{scheme: credential}` or a list of `[scheme, credential]` pairs). `key_password`,
//! `set_acls` and `verify: false` are rejected as unsupported; any other key is rejected as
//! unknown. Every error names the key.

use crate::config::DEFAULT_SESSION_TIMEOUT;
use crate::config::{AuthData, ZooKeeperConfig, DEFAULT_NAMESPACE};
use pg_ha_core::config::{DcsSection, TlsPaths};
use pg_ha_core::ConfigError;
use serde_json::Value;
use std::time::Duration;

const SECTION: &str = "zookeeper";
const DEFAULT_PORT: u16 = 2181;
const KNOWN_KEYS: [&str; 7] = [
    "hosts",
    "use_ssl",
    "cacert",
    "cert",
    "key",
    "verify",
    "auth_data",
];
const UNSUPPORTED_KEYS: [&str; 2] = ["key_password", "set_acls"];

impl ZooKeeperConfig {
    /// Builds the configuration from Patroni's `zookeeper` section (as JSON), the top-level
    /// `scope` and `namespace` (default `/service`), and `retry_timeout`, which becomes the
    /// per-request deadline. The session timeout starts at Patroni's default ttl (30 s); the
    /// backend follows the ttl its callers pass.
    pub fn from_patroni(
        section: &Value,
        scope: &str,
        namespace: Option<&str>,
        retry_timeout: Duration,
    ) -> Result<ZooKeeperConfig, ConfigError> {
        let section = DcsSection::new(SECTION, section)?;
        section.check_keys(&KNOWN_KEYS, &UNSUPPORTED_KEYS)?;
        Ok(ZooKeeperConfig {
            hosts: hosts(&section)?,
            namespace: namespace.unwrap_or(DEFAULT_NAMESPACE).to_string(),
            scope: scope.to_string(),
            request_timeout: retry_timeout,
            session_timeout: DEFAULT_SESSION_TIMEOUT,
            auth: auth_data(&section)?,
            tls: tls(&section)?,
        })
    }
}

fn hosts(section: &DcsSection<'_>) -> Result<Vec<String>, ConfigError> {
    let hosts = section
        .list("hosts", "a list of `host:port` strings")?
        .ok_or_else(|| section.error("hosts", "missing"))?
        .iter()
        .map(|item| host_port(section, item))
        .collect::<Result<Vec<_>, _>>()?;
    if hosts.is_empty() {
        return Err(section.error("hosts", "no host given"));
    }
    Ok(hosts)
}

/// `host[:port]` with the default port added; bare IPv6 addresses need brackets.
fn host_port(section: &DcsSection<'_>, item: &str) -> Result<String, ConfigError> {
    let bad = || section.error("hosts", format!("not `host:port`: `{item}`"));
    if item.contains(['/', '@', ' ']) {
        return Err(bad());
    }
    match item.rsplit_once(':') {
        Some((host, _)) if host.contains(':') && !host.ends_with(']') => Err(bad()),
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
            Ok(item.to_string())
        }
        Some(_) => Err(bad()),
        None => Ok(format!("{item}:{DEFAULT_PORT}")),
    }
}

fn auth_data(section: &DcsSection<'_>) -> Result<Vec<AuthData>, ConfigError> {
    let err = || {
        section.error(
            "auth_data",
            "expected a mapping {scheme: credential} or a list of [scheme, credential] pairs",
        )
    };
    let pair = |scheme: &str, credential: &Value| -> Result<AuthData, ConfigError> {
        Ok(AuthData {
            scheme: scheme.to_string(),
            credential: credential.as_str().ok_or_else(err)?.to_string(),
        })
    };
    match section.get("auth_data") {
        None => Ok(Vec::new()),
        Some(Value::Object(pairs)) => pairs.iter().map(|(s, c)| pair(s, c)).collect(),
        Some(Value::Array(list)) => list
            .iter()
            .map(|item| match item.as_array().map(Vec::as_slice) {
                Some([Value::String(s), c]) => pair(s, c),
                _ => Err(err()),
            })
            .collect(),
        Some(_) => Err(err()),
    }
}

fn tls(section: &DcsSection<'_>) -> Result<Option<TlsPaths>, ConfigError> {
    section.check_verify()?;
    let paths = section.tls_paths()?;
    let use_ssl = section.boolean("use_ssl")?.unwrap_or(false);
    if !use_ssl && !paths.is_empty() {
        return Err(section.error("use_ssl", "TLS files are given but `use_ssl` is not true"));
    }
    Ok(use_ssl.then_some(paths))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::PathBuf;

    fn build(section: Value) -> Result<ZooKeeperConfig, ConfigError> {
        ZooKeeperConfig::from_patroni(&section, "demo", None, Duration::from_secs(10))
    }

    #[test]
    fn hosts_string_and_list() {
        let cfg = build(json!({"hosts": "10.0.0.1:2181, zk2"})).expect("valid");
        assert_eq!(cfg.hosts, vec!["10.0.0.1:2181", "zk2:2181"]);
        assert_eq!(cfg.prefix(), "/service/demo/");
        assert_eq!(cfg.request_timeout, Duration::from_secs(10));
        let cfg = build(json!({"hosts": ["a:1", "[::1]:2"]})).expect("valid");
        assert_eq!(cfg.connect_string(), "a:1,[::1]:2");
        assert!(cfg.tls.is_none());
    }

    #[test]
    fn auth_data_forms() {
        let cfg = build(json!({"hosts": "zk", "auth_data": {"digest": "u:p"}})).expect("valid");
        assert_eq!(
            cfg.auth,
            vec![AuthData {
                scheme: "digest".into(),
                credential: "u:p".into()
            }]
        );
        let cfg = build(json!({"hosts": "zk", "auth_data": [["digest", "a:b"]]})).expect("valid");
        assert_eq!(cfg.auth[0].credential, "a:b");
    }

    #[test]
    fn tls_files() {
        let cfg = build(json!({
            "hosts": "zk:2281", "use_ssl": true, "cacert": "/ca.pem",
            "cert": "/c.pem", "key": "/k.pem", "verify": true
        }))
        .expect("valid");
        let tls = cfg.tls.expect("tls");
        assert_eq!(tls.ca, Some(PathBuf::from("/ca.pem")));
        assert_eq!(tls.key, Some(PathBuf::from("/k.pem")));
        let cfg = build(json!({"hosts": "zk", "use_ssl": "on"})).expect("valid");
        assert_eq!(cfg.tls, Some(TlsPaths::default()));
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            (json!({}), "zookeeper.hosts"),
            (json!({"hosts": 5}), "zookeeper.hosts"),
            (json!({"hosts": "a:notaport"}), "zookeeper.hosts"),
            (json!({"hosts": "zk", "hostz": 1}), "zookeeper.hostz"),
            (json!({"hosts": "zk", "set_acls": {}}), "zookeeper.set_acls"),
            (
                json!({"hosts": "zk", "key_password": "x"}),
                "zookeeper.key_password",
            ),
            (json!({"hosts": "zk", "verify": false}), "zookeeper.verify"),
            (
                json!({"hosts": "zk", "use_ssl": true, "cert": "/c"}),
                "zookeeper.key",
            ),
            (json!({"hosts": "zk", "cacert": "/ca"}), "zookeeper.use_ssl"),
            (
                json!({"hosts": "zk", "auth_data": "digest"}),
                "zookeeper.auth_data",
            ),
            (
                json!({"hosts": "zk", "use_ssl": "maybe"}),
                "zookeeper.use_ssl",
            ),
            (json!([]), "zookeeper"),
        ];
        for (section, key) in cases {
            let err = build(section.clone()).expect_err("must fail");
            assert_eq!(err.key, key, "{section}");
        }
    }
}
