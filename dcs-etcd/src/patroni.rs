//! Maps Patroni's `etcd3` configuration section onto [`EtcdConfig`].
//!
//! Accepted keys: `host`, `hosts` (a list or a comma-separated string), `port`, `url`, `proxy`,
//! `protocol`, `use_proxies`, `username`, `password`, `cacert`, `cert`, `key`. Endpoints are
//! never discovered through the member list, so `use_proxies` is accepted and has no effect.
//! `srv`, `srv_suffix` and `key_password` are rejected as unsupported; any other key is
//! rejected as unknown. Every error names the key.

use crate::config::{EtcdConfig, DEFAULT_NAMESPACE};
use pg_ha_core::config::DcsSection;
use pg_ha_core::ConfigError;
use serde_json::Value;
use std::time::Duration;

const SECTION: &str = "etcd3";
const DEFAULT_PORT: u16 = 2379;
const DEFAULT_HOST: &str = "127.0.0.1";
const KNOWN_KEYS: [&str; 12] = [
    "host",
    "hosts",
    "port",
    "url",
    "proxy",
    "protocol",
    "use_proxies",
    "username",
    "password",
    "cacert",
    "cert",
    "key",
];
const UNSUPPORTED_KEYS: [&str; 3] = ["srv", "srv_suffix", "key_password"];

impl EtcdConfig {
    /// Builds the configuration from Patroni's `etcd3` section (as JSON), the top-level
    /// `scope` and `namespace` (default `/service`), and `retry_timeout`, which becomes the
    /// per-request deadline.
    pub fn from_patroni(
        section: &Value,
        scope: &str,
        namespace: Option<&str>,
        retry_timeout: Duration,
    ) -> Result<EtcdConfig, ConfigError> {
        let section = DcsSection::new(SECTION, section)?;
        section.check_keys(&KNOWN_KEYS, &UNSUPPORTED_KEYS)?;
        let tls = section.tls_paths()?;
        let tls = (!tls.is_empty()).then_some(tls);
        let protocol = section.scheme("protocol", tls.is_some())?;
        let (endpoints, url_user) = endpoints(&section, &protocol)?;
        let mut username = section.string("username")?;
        let mut password = section.string("password")?;
        if username.is_none() {
            if let Some((user, pass)) = url_user {
                username = Some(user);
                password = password.or(pass);
            }
        }
        Ok(EtcdConfig {
            endpoints,
            namespace: namespace.unwrap_or(DEFAULT_NAMESPACE).to_string(),
            scope: scope.to_string(),
            request_timeout: retry_timeout,
            username,
            password,
            tls,
        })
    }
}

type UrlUser = Option<(String, Option<String>)>;

/// The endpoint URLs, in Patroni's precedence: `proxy`, `url`, `hosts`, `host`.
fn endpoints(
    section: &DcsSection<'_>,
    protocol: &str,
) -> Result<(Vec<String>, UrlUser), ConfigError> {
    for key in ["proxy", "url"] {
        if let Some(url) = section.string(key)? {
            let (endpoint, user) = parse_url(section, key, &url)?;
            return Ok((vec![endpoint], user));
        }
    }
    let port = section.port("port")?.unwrap_or(DEFAULT_PORT);
    let items = match section.list("hosts", "a list of `host:port` strings")? {
        Some(items) => items,
        None => vec![section
            .string("host")?
            .unwrap_or_else(|| DEFAULT_HOST.to_string())],
    };
    let key = if section.has("hosts") {
        "hosts"
    } else {
        "host"
    };
    let endpoints = items
        .iter()
        .map(|item| endpoint_url(section, key, item, protocol, port))
        .collect::<Result<Vec<_>, _>>()?;
    if endpoints.is_empty() {
        return Err(section.error(key, "no endpoint given"));
    }
    Ok((endpoints, None))
}

/// `host[:port]` (or a full URL) to an endpoint URL.
fn endpoint_url(
    section: &DcsSection<'_>,
    key: &str,
    item: &str,
    protocol: &str,
    port: u16,
) -> Result<String, ConfigError> {
    if item.contains("://") {
        return Ok(parse_url(section, key, item)?.0);
    }
    let bad = || section.error(key, format!("not `host:port`: `{item}`"));
    match split_port(item) {
        Some((host, p)) => {
            p.parse::<u16>().map_err(|_| bad())?;
            if host.is_empty() {
                return Err(bad());
            }
            Ok(format!("{protocol}://{host}:{p}"))
        }
        None if item.contains(['/', '@']) => Err(bad()),
        None => Ok(format!("{protocol}://{item}:{port}")),
    }
}

/// Splits `host:port`, leaving bare IPv6 addresses (`::1`) and `[::1]` alone.
fn split_port(item: &str) -> Option<(&str, &str)> {
    let (host, port) = item.rsplit_once(':')?;
    if host.contains(':') && !(host.starts_with('[') && host.ends_with(']')) {
        return None;
    }
    Some((host, port))
}

/// `scheme://[user[:password]@]host[:port][/...]` to `scheme://host:port` and the user info.
fn parse_url(
    section: &DcsSection<'_>,
    key: &str,
    url: &str,
) -> Result<(String, UrlUser), ConfigError> {
    let bad = |why: &str| section.error(key, format!("{why}: `{url}`"));
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("not a URL"))?;
    if scheme != "http" && scheme != "https" {
        return Err(bad("expected an http or https URL"));
    }
    let authority = rest.split('/').next().unwrap_or_default();
    let (user, hostport) = match authority.rsplit_once('@') {
        Some((info, hostport)) => (Some(split_user(info)), hostport),
        None => (None, authority),
    };
    if hostport.is_empty() {
        return Err(bad("no host"));
    }
    let endpoint = match split_port(hostport) {
        Some((_, p)) if p.parse::<u16>().is_err() => return Err(bad("bad port")),
        Some(_) => format!("{scheme}://{hostport}"),
        None => format!("{scheme}://{hostport}:{DEFAULT_PORT}"),
    };
    Ok((endpoint, user))
}

fn split_user(info: &str) -> (String, Option<String>) {
    match info.split_once(':') {
        Some((user, pass)) => (user.to_string(), Some(pass.to_string())),
        None => (info.to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::PathBuf;

    fn build(section: Value) -> Result<EtcdConfig, ConfigError> {
        EtcdConfig::from_patroni(&section, "demo", None, Duration::from_secs(10))
    }

    #[test]
    fn hosts_string_with_default_port() {
        let cfg = build(json!({"hosts": "10.0.0.1:2379, 10.0.0.2"})).expect("valid");
        assert_eq!(
            cfg.endpoints,
            vec!["http://10.0.0.1:2379", "http://10.0.0.2:2379"]
        );
        assert_eq!(cfg.prefix(), "/service/demo/");
        assert_eq!(cfg.request_timeout, Duration::from_secs(10));
    }

    #[test]
    fn hosts_list_and_protocol() {
        let cfg = build(json!({"hosts": ["a:1", "b:2"], "protocol": "https"})).expect("valid");
        assert_eq!(cfg.endpoints, vec!["https://a:1", "https://b:2"]);
    }

    #[test]
    fn host_and_port() {
        let cfg = build(json!({"host": "etcd", "port": 2380})).expect("valid");
        assert_eq!(cfg.endpoints, vec!["http://etcd:2380"]);
        let cfg = build(json!({})).expect("valid");
        assert_eq!(cfg.endpoints, vec!["http://127.0.0.1:2379"]);
    }

    #[test]
    fn url_with_credentials() {
        let cfg = build(json!({"url": "https://u:p@etcd:2379/v3"})).expect("valid");
        assert_eq!(cfg.endpoints, vec!["https://etcd:2379"]);
        assert_eq!(cfg.username.as_deref(), Some("u"));
        assert_eq!(cfg.password.as_deref(), Some("p"));
    }

    #[test]
    fn auth_and_tls() {
        let cfg = build(json!({
            "host": "etcd:2379", "username": "root", "password": 1234,
            "cacert": "/ca.pem", "cert": "/c.pem", "key": "/k.pem"
        }))
        .expect("valid");
        assert_eq!(cfg.endpoints, vec!["https://etcd:2379"]);
        assert_eq!(cfg.username.as_deref(), Some("root"));
        assert_eq!(cfg.password.as_deref(), Some("1234"));
        let tls = cfg.tls.expect("tls");
        assert_eq!(tls.ca, Some(PathBuf::from("/ca.pem")));
        assert_eq!(tls.key, Some(PathBuf::from("/k.pem")));
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            (json!({"hostz": "a"}), "etcd3.hostz"),
            (json!({"srv": "a"}), "etcd3.srv"),
            (json!({"protocol": "ftp"}), "etcd3.protocol"),
            (json!({"hosts": 5}), "etcd3.hosts"),
            (json!({"hosts": "a:notaport"}), "etcd3.hosts"),
            (json!({"port": "x"}), "etcd3.port"),
            (json!({"cert": "/c"}), "etcd3.key"),
            (json!({"url": "etcd:2379"}), "etcd3.url"),
            (json!([]), "etcd3"),
        ];
        for (section, key) in cases {
            let err = build(section.clone()).expect_err("must fail");
            assert_eq!(err.key, key, "{section}");
        }
    }
}
