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
use crate::config::{Consistency, ConsulConfig, DEFAULT_NAMESPACE};
use pg_ha_core::config::{split_list, DcsSection, TlsPaths};
use pg_ha_core::ConfigError;
use serde_json::Value;
use std::time::Duration;

const SECTION: &str = "consul";
const DEFAULT_HOST: &str = "127.0.0.1";
const DEFAULT_PORT: u16 = 8500;
const KNOWN_KEYS: [&str; 16] = [
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
];
const UNSUPPORTED_KEYS: [&str; 1] = ["key_password"];

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
        let section = DcsSection::new(SECTION, section)?;
        check_keys(&section)?;
        let tls = tls(&section)?;
        Ok(ConsulConfig {
            agents: agents(&section, tls.is_some())?,
            namespace: namespace.unwrap_or(DEFAULT_NAMESPACE).to_string(),
            scope: scope.to_string(),
            token: section.string("token")?,
            dc: section.string("dc")?,
            consistency: consistency(&section)?,
            checks: section
                .list("checks", "a list of check ids")?
                .unwrap_or_default(),
            request_timeout: retry_timeout,
            watch_wait: DEFAULT_WATCH_WAIT,
            tls,
        })
    }
}

fn check_keys(section: &DcsSection<'_>) -> Result<(), ConfigError> {
    section.check_keys(&KNOWN_KEYS, &UNSUPPORTED_KEYS)?;
    if section.boolean("register_service")? == Some(true) {
        return Err(section.error(
            "register_service",
            "service registration is not supported by pg-ha",
        ));
    }
    Ok(())
}

fn tls(section: &DcsSection<'_>) -> Result<Option<TlsPaths>, ConfigError> {
    section.check_verify()?;
    let paths = section.tls_paths()?;
    Ok((!paths.is_empty()).then_some(paths))
}

/// The agent URLs: `url` if given, else `scheme://host:port` for each host.
fn agents(section: &DcsSection<'_>, has_tls: bool) -> Result<Vec<String>, ConfigError> {
    if let Some(url) = section.string("url")? {
        let urls: Vec<String> = split_list(&url);
        for u in &urls {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(section.error("url", format!("not an http(s) URL: `{u}`")));
            }
        }
        return non_empty(section, urls, "url");
    }
    let scheme = section.scheme("scheme", has_tls)?;
    let port = section.port("port")?.unwrap_or(DEFAULT_PORT);
    let hosts = split_list(
        &section
            .string("host")?
            .unwrap_or_else(|| DEFAULT_HOST.to_string()),
    );
    let urls = hosts
        .iter()
        .map(|h| host_url(section, h, &scheme, port))
        .collect::<Result<Vec<_>, _>>()?;
    non_empty(section, urls, "host")
}

fn non_empty(
    section: &DcsSection<'_>,
    urls: Vec<String>,
    key: &str,
) -> Result<Vec<String>, ConfigError> {
    if urls.is_empty() {
        return Err(section.error(key, "no agent given"));
    }
    Ok(urls)
}

fn host_url(
    section: &DcsSection<'_>,
    host: &str,
    scheme: &str,
    port: u16,
) -> Result<String, ConfigError> {
    let bad = || section.error("host", format!("not `host[:port]`: `{host}`"));
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

fn consistency(section: &DcsSection<'_>) -> Result<Consistency, ConfigError> {
    match section.string("consistency")?.as_deref() {
        None | Some("default") => Ok(Consistency::Default),
        Some("consistent") => Ok(Consistency::Consistent),
        Some("stale") => Ok(Consistency::Stale),
        Some(other) => Err(section.error(
            "consistency",
            format!("expected default, consistent or stale, got `{other}`"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::PathBuf;

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
