//! `-d/--dcs-url URL` (or `$DCS_URL`), as patronictl's: the DCS to read instead of the
//! configuration file's section. `etcd3://host:port`, `consul://host:port` or
//! `zookeeper://host:port` (several hosts separated by commas).

use super::CtlError;
use crate::config::DcsSection;
use serde_json::json;

/// The variable patronictl reads when `-d` is not given.
pub const DCS_URL_VAR: &str = "DCS_URL";

/// The DCS section for `url`.
pub fn section(url: &str) -> Result<DcsSection, CtlError> {
    let (scheme, hosts) = url
        .split_once("://")
        .ok_or_else(|| CtlError::usage(format!("--dcs-url {url}: expected SCHEME://HOST:PORT")))?;
    let hosts = hosts.trim_end_matches('/');
    if hosts.is_empty() {
        return Err(CtlError::usage(format!("--dcs-url {url}: no host")));
    }
    match scheme {
        "etcd3" => Ok(DcsSection::Etcd3(json!({ "hosts": hosts }))),
        "consul" => Ok(DcsSection::Consul(json!({ "host": hosts }))),
        "zookeeper" => {
            let list: Vec<&str> = hosts.split(',').collect();
            Ok(DcsSection::Zookeeper(json!({ "hosts": list })))
        }
        "etcd" => Err(CtlError::usage(format!(
            "--dcs-url {url}: the etcd v2 API is not supported; use etcd3://{hosts}"
        ))),
        other => Err(CtlError::usage(format!(
            "--dcs-url {url}: unknown DCS `{other}` (expected etcd3, consul or zookeeper)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_become_sections() {
        assert_eq!(
            section("etcd3://10.0.0.1:2379").ok(),
            Some(DcsSection::Etcd3(json!({"hosts": "10.0.0.1:2379"})))
        );
        assert_eq!(
            section("consul://127.0.0.1:8500/").ok(),
            Some(DcsSection::Consul(json!({"host": "127.0.0.1:8500"})))
        );
        assert_eq!(
            section("zookeeper://a:2181,b:2181").ok(),
            Some(DcsSection::Zookeeper(
                json!({"hosts": ["a:2181", "b:2181"]})
            ))
        );
        for bad in ["etcd://h:2379", "k8s://x", "h:2379", "etcd3://"] {
            assert!(section(bad).is_err(), "{bad}");
        }
    }
}
