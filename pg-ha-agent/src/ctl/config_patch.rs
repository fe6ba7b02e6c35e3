//! Changes to the dynamic configuration as `patronictl edit-config` makes them:
//! `--set a.b.c=VALUE` (VALUE is YAML, `null` removes the key, and the names below
//! `postgresql.parameters` are not split on dots), and merge patches (`--apply`), where
//! mappings merge, `null` deletes and other values replace.

use super::CtlError;
use serde_json::{Map, Value};

/// Applies `key.path=value` to `config`.
pub fn set_pair(config: &mut Map<String, Value>, pair: &str) -> Result<(), CtlError> {
    let Some((path, value)) = pair.split_once('=') else {
        return Err(CtlError::Usage(format!("Invalid parameter setting {pair}")));
    };
    let path: Vec<&str> = path.trim().split('.').collect();
    if path.iter().any(|p| p.is_empty()) {
        return Err(CtlError::Usage(format!("Invalid parameter setting {pair}")));
    }
    let value = parse_value(value)?;
    set_path(config, &path, value, &[]);
    Ok(())
}

/// A YAML scalar or structure from the command line (`''` is an empty string, an empty
/// value is `null`).
pub fn parse_value(text: &str) -> Result<Value, CtlError> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_norway::from_str(text)
        .map_err(|e| CtlError::Usage(format!("cannot parse value `{text}` as YAML: {e}")))
}

fn set_path(config: &mut Map<String, Value>, path: &[&str], value: Value, prefix: &[&str]) {
    // GUC names are not nested but may contain dots.
    if prefix == ["postgresql", "parameters"] {
        return set_leaf(config, &path.join("."), value);
    }
    match path {
        [] => {}
        [key] => set_leaf(config, key, value),
        [key, rest @ ..] => {
            let child = config
                .entry(key.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !child.is_object() {
                *child = Value::Object(Map::new());
            }
            if let Value::Object(child) = child {
                let mut next: Vec<&str> = prefix.to_vec();
                next.push(key);
                set_path(child, rest, value, &next);
                if child.is_empty() {
                    config.remove(*key);
                }
            }
        }
    }
}

fn set_leaf(config: &mut Map<String, Value>, key: &str, value: Value) {
    if value.is_null() {
        config.remove(key);
    } else {
        config.insert(key.to_string(), value);
    }
}

/// A YAML document that must be a mapping (`--apply`, `--replace`, the editor's result).
pub fn parse_mapping(text: &str, origin: &str) -> Result<Map<String, Value>, CtlError> {
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_norway::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(Value::Null) => Ok(Map::new()),
        Ok(_) => Err(CtlError::failed(format!(
            "{origin}: expected a mapping of configuration keys"
        ))),
        Err(e) => Err(CtlError::failed(format!("{origin}: invalid YAML: {e}"))),
    }
}

/// The configuration as YAML, keys sorted, as `show-config` prints it.
pub fn to_yaml(config: &Map<String, Value>) -> String {
    if config.is_empty() {
        return "{}\n".to_string();
    }
    serde_norway::to_string(config).unwrap_or_else(|_| Value::Object(config.clone()).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn set(config: Value, pairs: &[&str]) -> Value {
        let mut config = map(config);
        for pair in pairs {
            set_pair(&mut config, pair).expect("valid pair");
        }
        Value::Object(config)
    }

    #[test]
    fn set_pairs_like_patronictl() {
        let before = json!({"ttl": 30, "postgresql": {"parameters": {"max_connections": 100}}});
        assert_eq!(
            set(
                before.clone(),
                &["ttl=40", "loop_wait=5", "synchronous_mode=true"]
            ),
            json!({"ttl": 40, "loop_wait": 5, "synchronous_mode": true,
                "postgresql": {"parameters": {"max_connections": 100}}})
        );
        assert_eq!(
            set(
                before.clone(),
                &["postgresql.parameters.pg_stat_statements.track=all"]
            ),
            json!({"ttl": 30, "postgresql": {"parameters": {"max_connections": 100,
                "pg_stat_statements.track": "all"}}})
        );
        assert_eq!(
            set(
                before.clone(),
                &["postgresql.parameters.max_connections=null"]
            ),
            json!({"ttl": 30})
        );
        assert_eq!(
            set(
                before,
                &["ttl=", "standby_cluster.host=10.0.0.1", "name='on'"]
            ),
            json!({"postgresql": {"parameters": {"max_connections": 100}},
                "standby_cluster": {"host": "10.0.0.1"}, "name": "on"})
        );
    }

    #[test]
    fn bad_pairs() {
        let mut config = Map::new();
        assert!(set_pair(&mut config, "ttl").is_err());
        assert!(set_pair(&mut config, "a..b=1").is_err());
        assert!(set_pair(&mut config, "=1").is_err());
    }

    #[test]
    fn merge_patches() {
        let mut config = map(json!({"ttl": 30, "pause": true,
            "postgresql": {"parameters": {"a": 1, "b": 2}}, "tags": "x"}));
        pg_ha_core::config::patch_config(
            &mut config,
            &map(json!({"pause": null, "ttl": 40,
                "postgresql": {"parameters": {"a": null, "c": 3}}, "tags": {"k": 1}})),
        );
        assert_eq!(
            Value::Object(config),
            json!({"ttl": 40, "postgresql": {"parameters": {"b": 2, "c": 3}}, "tags": {"k": 1}})
        );
    }

    #[test]
    fn yaml_documents() {
        assert_eq!(
            parse_mapping("ttl: 40\npostgresql:\n  use_pg_rewind: true\n", "f").ok(),
            Some(map(
                json!({"ttl": 40, "postgresql": {"use_pg_rewind": true}})
            ))
        );
        assert!(parse_mapping("- a", "f").is_err());
        assert!(parse_mapping("a: [", "f").is_err());
        assert_eq!(parse_mapping("", "f").ok(), Some(Map::new()));
        assert_eq!(
            to_yaml(&map(json!({"b": 1, "a": {"c": "x"}}))),
            "a:\n  c: x\nb: 1\n"
        );
        assert_eq!(to_yaml(&Map::new()), "{}\n");
    }
}
