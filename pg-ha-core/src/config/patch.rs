//! Patroni's `patch_config` (the merge patch of `PATCH /config`) and `deep_compare` (the
//! no-op check of `PUT /config`). Scalars compare as Python's `str()` of the value.

use serde_json::{Map, Value};

/// Python's `str()` of a JSON value, for the string comparisons Patroni does.
pub fn py_str(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Applies `patch` to `config`: mappings merge recursively, `null` deletes a key, scalars
/// are replaced only when their text differs. Returns true when anything changed.
pub fn patch_config(config: &mut Map<String, Value>, patch: &Map<String, Value>) -> bool {
    let mut changed = false;
    for (name, value) in patch {
        changed |= patch_one(config, name, value);
    }
    changed
}

fn patch_one(config: &mut Map<String, Value>, name: &str, value: &Value) -> bool {
    if value.is_null() {
        return config.remove(name).is_some_and(|old| !old.is_null());
    }
    let Some(current) = config.get_mut(name) else {
        config.insert(name.to_string(), value.clone());
        return true;
    };
    match (current, value) {
        (Value::Object(current), Value::Object(patch)) => patch_config(current, patch),
        (current, Value::Object(_)) => {
            *current = value.clone();
            true
        }
        (current, value) if py_str(current) != py_str(value) => {
            *current = value.clone();
            true
        }
        _ => false,
    }
}

/// True when both mappings have the same keys and equal values (mappings recursively,
/// other values by their text).
pub fn deep_compare(a: &Map<String, Value>, b: &Map<String, Value>) -> bool {
    if a.len() != b.len() || a.keys().any(|k| !b.contains_key(k)) {
        return false;
    }
    a.iter().all(|(key, va)| match (va, &b[key]) {
        (Value::Object(x), Value::Object(y)) => deep_compare(x, y),
        (Value::Object(_), _) => false,
        (x, y) => py_str(x) == py_str(y),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn merge_patch_semantics() {
        let mut config = obj(json!({
            "ttl": 30, "loop_wait": 10, "pause": true,
            "postgresql": {"parameters": {"max_connections": 100, "work_mem": "4MB"}},
            "tags": "x"
        }));
        let patch = obj(json!({
            "loop_wait": "10",
            "ttl": 20,
            "pause": null,
            "absent": null,
            "postgresql": {"parameters": {"max_connections": 200, "work_mem": null}},
            "tags": {"a": 1},
            "new": {"n": null}
        }));
        assert!(patch_config(&mut config, &patch));
        assert_eq!(
            Value::Object(config.clone()),
            json!({
                "ttl": 20, "loop_wait": 10,
                "postgresql": {"parameters": {"max_connections": 200}},
                "tags": {"a": 1},
                "new": {"n": null}
            })
        );
        assert!(!patch_config(
            &mut config,
            &obj(json!({"loop_wait": "10", "absent": null}))
        ));
        assert!(patch_config(&mut config, &obj(json!({"flag": true}))));
        assert!(
            !patch_config(&mut config, &obj(json!({"flag": "True"}))),
            "str(True)"
        );
    }

    #[test]
    fn deep_compare_by_text() {
        let a = obj(json!({"a": 1, "b": {"c": true}}));
        assert!(deep_compare(
            &a,
            &obj(json!({"a": "1", "b": {"c": "True"}}))
        ));
        assert!(!deep_compare(&a, &obj(json!({"a": 1}))));
        assert!(!deep_compare(&a, &obj(json!({"a": 1, "b": 2}))));
    }
}
