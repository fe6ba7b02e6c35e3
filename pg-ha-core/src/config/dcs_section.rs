//! `DcsSection`: reading one DCS backend's section of Patroni's configuration (`etcd3`,
//! `consul`, `zookeeper`) into typed values, with errors that name `<section>.<key>`.
//!
//! The readers accept the forms Patroni's YAML produces: strings also as numbers or booleans
//! (`password: 1234`), booleans also as `on/off`, `yes/no`, `1/0`, lists also as one
//! comma-separated string. A missing key and a `null` one both read as absent.

use super::{ConfigError, TlsPaths};
use serde_json::{Map, Value};
use std::path::PathBuf;

/// One backend section of the configuration, e.g. `etcd3`.
#[derive(Debug, Clone, Copy)]
pub struct DcsSection<'a> {
    name: &'a str,
    map: &'a Map<String, Value>,
}

impl<'a> DcsSection<'a> {
    /// The section `name` with value `value`, which must be a mapping.
    pub fn new(name: &'a str, value: &'a Value) -> Result<DcsSection<'a>, ConfigError> {
        let map = value
            .as_object()
            .ok_or_else(|| ConfigError::new(name, "expected a mapping"))?;
        Ok(DcsSection { name, map })
    }

    /// The dotted name `<section>.<key>` that errors carry.
    pub fn key_name(&self, key: &str) -> String {
        format!("{}.{key}", self.name)
    }

    /// An error for `<section>.<key>`.
    pub fn error(&self, key: &str, reason: impl Into<String>) -> ConfigError {
        ConfigError::new(self.key_name(key), reason)
    }

    /// True when `key` is present, even as `null`.
    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// The value of `key`, unless it is missing or `null`.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// Rejects, in the section's key order, a key in `unsupported` ("not supported by pg-ha")
    /// and a key in neither list ("unknown key").
    pub fn check_keys(&self, known: &[&str], unsupported: &[&str]) -> Result<(), ConfigError> {
        for key in self.map.keys() {
            if unsupported.contains(&key.as_str()) {
                return Err(self.error(key, "not supported by pg-ha"));
            }
            if !known.contains(&key.as_str()) {
                return Err(self.error(key, "unknown key"));
            }
        }
        Ok(())
    }

    /// A string; numbers and booleans are accepted and rendered as text.
    pub fn string(&self, key: &str) -> Result<Option<String>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(_) => Err(self.error(key, "expected a string")),
        }
    }

    /// A file path (a [`DcsSection::string`]).
    pub fn path(&self, key: &str) -> Result<Option<PathBuf>, ConfigError> {
        Ok(self.string(key)?.map(PathBuf::from))
    }

    /// Patroni's booleans: `true/false`, the strings `on/yes/true/1` and `off/no/false/0` (any
    /// case), and integers (non-zero is true).
    pub fn boolean(&self, key: &str) -> Result<Option<bool>, ConfigError> {
        let bad = || self.error(key, "expected a boolean");
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
                "on" | "true" | "yes" | "1" => Ok(Some(true)),
                "off" | "false" | "no" | "0" => Ok(Some(false)),
                _ => Err(bad()),
            },
            Some(Value::Number(n)) => Ok(Some(n.as_i64().ok_or_else(bad)? != 0)),
            Some(_) => Err(bad()),
        }
    }

    /// A list of strings, or one comma-separated string; items are trimmed and empty ones
    /// dropped. `expected` describes the form in the error, e.g. "a list of `host:port`
    /// strings".
    pub fn list(&self, key: &str, expected: &str) -> Result<Option<Vec<String>>, ConfigError> {
        let err = || self.error(key, format!("expected {expected}"));
        let items: Vec<String> = match self.get(key) {
            None => return Ok(None),
            Some(Value::String(s)) => return Ok(Some(split_list(s))),
            Some(Value::Array(list)) => list
                .iter()
                .map(|v| v.as_str().map(str::to_string).ok_or_else(err))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(err()),
        };
        Ok(Some(
            items
                .into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        ))
    }

    /// A TCP port number (a number or a numeric string).
    pub fn port(&self, key: &str) -> Result<Option<u16>, ConfigError> {
        match self.string(key)? {
            None => Ok(None),
            Some(p) => p
                .parse()
                .map(Some)
                .map_err(|_| self.error(key, format!("not a port number: `{p}`"))),
        }
    }

    /// `http` or `https` from `key`; when absent, `https` if TLS files are configured.
    pub fn scheme(&self, key: &str, has_tls: bool) -> Result<String, ConfigError> {
        match self.string(key)? {
            Some(p) if p == "http" || p == "https" => Ok(p),
            Some(p) => Err(self.error(key, format!("expected `http` or `https`, got `{p}`"))),
            None if has_tls => Ok("https".to_string()),
            None => Ok("http".to_string()),
        }
    }

    /// The TLS files `cacert`, `cert` and `key` (possibly none); `cert` and `key` go together.
    pub fn tls_paths(&self) -> Result<TlsPaths, ConfigError> {
        let paths = TlsPaths {
            ca: self.path("cacert")?,
            cert: self.path("cert")?,
            key: self.path("key")?,
        };
        match (&paths.cert, &paths.key) {
            (Some(_), None) => Err(self.error("key", "`cert` needs `key`")),
            (None, Some(_)) => Err(self.error("cert", "`key` needs `cert`")),
            _ => Ok(paths),
        }
    }

    /// Rejects `verify: false`: pg-ha always verifies the servers' certificates.
    pub fn check_verify(&self) -> Result<(), ConfigError> {
        if self.boolean("verify")? == Some(false) {
            return Err(self.error(
                "verify",
                "disabling certificate verification is not supported by pg-ha",
            ));
        }
        Ok(())
    }
}

/// The items of a comma-separated list, trimmed, without empty ones.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read<T>(
        value: Value,
        f: impl FnOnce(&DcsSection<'_>) -> Result<T, ConfigError>,
    ) -> Result<T, String> {
        let section = DcsSection::new("etcd3", &value).map_err(|e| e.key)?;
        f(&section).map_err(|e| e.key)
    }

    #[test]
    fn scalars() {
        let v = json!({"a": "x", "n": 1234, "b": true, "z": null, "l": [1]});
        assert_eq!(read(v.clone(), |s| s.string("a")), Ok(Some("x".into())));
        assert_eq!(read(v.clone(), |s| s.string("n")), Ok(Some("1234".into())));
        assert_eq!(read(v.clone(), |s| s.string("b")), Ok(Some("true".into())));
        assert_eq!(read(v.clone(), |s| s.string("z")), Ok(None));
        assert_eq!(read(v.clone(), |s| s.string("l")), Err("etcd3.l".into()));
        assert_eq!(read(v, |s| s.boolean("n")), Ok(Some(true)));
        let b = json!({"on": "ON", "off": "no", "zero": 0, "bad": "maybe"});
        assert_eq!(read(b.clone(), |s| s.boolean("on")), Ok(Some(true)));
        assert_eq!(read(b.clone(), |s| s.boolean("off")), Ok(Some(false)));
        assert_eq!(read(b.clone(), |s| s.boolean("zero")), Ok(Some(false)));
        assert_eq!(read(b, |s| s.boolean("bad")), Err("etcd3.bad".into()));
        assert_eq!(read(json!([]), |s| s.string("a")), Err("etcd3".into()));
    }

    #[test]
    fn lists_ports_schemes() {
        let v = json!({"s": " a, ,b ", "l": ["c ", ""], "bad": [1], "p": "2379", "q": "x"});
        let list = |key: &'static str| read(v.clone(), move |s| s.list(key, "a list"));
        assert_eq!(list("s"), Ok(Some(vec!["a".into(), "b".into()])));
        assert_eq!(list("l"), Ok(Some(vec!["c".into()])));
        assert_eq!(list("none"), Ok(None));
        assert_eq!(list("bad"), Err("etcd3.bad".into()));
        assert_eq!(read(v.clone(), |s| s.port("p")), Ok(Some(2379)));
        assert_eq!(read(v.clone(), |s| s.port("q")), Err("etcd3.q".into()));
        assert_eq!(read(v.clone(), |s| s.scheme("x", true)), Ok("https".into()));
        assert_eq!(read(v, |s| s.scheme("q", false)), Err("etcd3.q".into()));
    }

    #[test]
    fn keys_and_tls() {
        let known = ["host", "cert", "key", "verify"];
        let check = |v: Value| read(v, |s| s.check_keys(&known, &["srv"]));
        assert_eq!(check(json!({"host": 1})), Ok(()));
        assert_eq!(check(json!({"srv": 1})), Err("etcd3.srv".into()));
        assert_eq!(check(json!({"hostz": 1})), Err("etcd3.hostz".into()));
        let tls = |v: Value| read(v, |s| s.tls_paths());
        assert_eq!(tls(json!({})), Ok(TlsPaths::default()));
        assert_eq!(tls(json!({"cert": "/c"})), Err("etcd3.key".into()));
        assert_eq!(tls(json!({"key": "/k"})), Err("etcd3.cert".into()));
        let verify = |v: Value| read(v, |s| s.check_verify());
        assert_eq!(verify(json!({"verify": "on"})), Ok(()));
        assert_eq!(verify(json!({"verify": false})), Err("etcd3.verify".into()));
    }
}
