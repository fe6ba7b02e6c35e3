//! `Section`: typed reads from one mapping of the merged configuration, with errors that name
//! the dotted key and the expected form.

use super::ConfigWarning;
use pg_ha_core::ConfigError;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One mapping of the configuration (the root, `restapi`, `ctl`, ...). A missing section reads
/// as empty. `null` values read as absent, as in Patroni.
#[derive(Debug, Clone)]
pub(crate) struct Section<'a> {
    path: String,
    map: Option<&'a Map<String, Value>>,
}

/// A short description of a JSON value's type for error messages.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

impl<'a> Section<'a> {
    /// The root mapping.
    pub(crate) fn root(value: &'a Value) -> Result<Section<'a>, ConfigError> {
        match value {
            Value::Object(map) => Ok(Section {
                path: String::new(),
                map: Some(map),
            }),
            Value::Null => Ok(Section {
                path: String::new(),
                map: None,
            }),
            other => Err(ConfigError::new(
                "(top level)",
                format!("expected a mapping of keys, got {}", describe(other)),
            )),
        }
    }

    /// The dotted path of `key` in this section.
    pub(crate) fn key(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The value of `key`, unless missing or null.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map?.get(key).filter(|v| !v.is_null())
    }

    /// True when `key` is present (even as null).
    pub(crate) fn has(&self, key: &str) -> bool {
        self.map.is_some_and(|m| m.contains_key(key))
    }

    /// The keys present, in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &'a String> {
        self.map.into_iter().flat_map(|m| m.keys())
    }

    fn error(&self, key: &str, expected: &str, got: &Value) -> ConfigError {
        ConfigError::new(
            self.key(key),
            format!("expected {expected}, got {}", describe(got)),
        )
    }

    /// A sub-mapping (empty when missing).
    pub(crate) fn sub(&self, key: &str) -> Result<Section<'a>, ConfigError> {
        let path = self.key(key);
        match self.get(key) {
            None => Ok(Section { path, map: None }),
            Some(Value::Object(map)) => Ok(Section {
                path,
                map: Some(map),
            }),
            Some(other) => Err(self.error(key, "a mapping of keys", other)),
        }
    }

    /// A text value; numbers are accepted and written out (YAML reads `port: 5432` as one).
    pub(crate) fn string(&self, key: &str) -> Result<Option<String>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(self.error(key, "a string", other)),
        }
    }

    /// A text value that must be present and not empty.
    pub(crate) fn required_string(&self, key: &str, form: &str) -> Result<String, ConfigError> {
        match self.string(key)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(ConfigError::new(
                self.key(key),
                format!("is required: {form}"),
            )),
        }
    }

    /// Patroni's booleans: `on/true/yes/1` and `off/false/no/0` (any case).
    pub(crate) fn boolean(&self, key: &str) -> Result<Option<bool>, ConfigError> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        parse_bool(value)
            .map(Some)
            .ok_or_else(|| self.error(key, "a boolean (true/false, on/off, yes/no, 1/0)", value))
    }

    /// A list of strings: a YAML list, or one comma-separated string.
    pub(crate) fn string_list(&self, key: &str) -> Result<Vec<String>, ConfigError> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s.clone()),
                    Value::Number(n) => Ok(n.to_string()),
                    other => Err(self.error(key, "a list of strings", other)),
                })
                .collect(),
            Some(other) => Err(self.error(key, "a list of strings", other)),
        }
    }

    /// A mapping of text values (e.g. extra HTTP headers).
    pub(crate) fn string_map(&self, key: &str) -> Result<BTreeMap<String, String>, ConfigError> {
        match self.get(key) {
            None => Ok(BTreeMap::new()),
            Some(Value::Object(map)) => map
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.clone(), s.clone())),
                    Value::Number(_) | Value::Bool(_) => Ok((k.clone(), v.to_string())),
                    other => Err(self.error(key, "a mapping of strings", other)),
                })
                .collect(),
            Some(other) => Err(self.error(key, "a mapping of strings", other)),
        }
    }

    /// Warns once for every key that is neither `supported` nor expected: `unsupported`
    /// keys are Patroni keys that pg-ha ignores, any other key is unknown.
    pub(crate) fn warn_keys(
        &self,
        supported: &[&str],
        unsupported: &[&str],
        warnings: &mut Vec<ConfigWarning>,
    ) {
        for key in self.keys() {
            if supported.contains(&key.as_str()) {
                continue;
            }
            if unsupported.contains(&key.as_str()) {
                warnings.push(ConfigWarning::unsupported(self.key(key)));
            } else {
                warnings.push(ConfigWarning::unknown(self.key(key)));
            }
        }
    }
}

/// Patroni's `parse_bool`.
pub(crate) fn parse_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_i64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" | "1" => Some(true),
            "off" | "false" | "no" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}
