//! YAML text to the JSON value tree the rest of the loader works on, through `serde_norway`
//! (the maintained fork of serde_yaml).

use super::LoadError;
use serde_json::{Map, Number, Value};
use serde_norway::Value as Yaml;

/// Parses one YAML document. `origin` (a path or a variable name) goes into the error.
/// An empty document is an empty mapping.
pub(crate) fn parse_yaml(origin: &str, text: &str) -> Result<Value, LoadError> {
    let yaml: Yaml = serde_norway::from_str(text).map_err(|e| LoadError::Yaml {
        origin: origin.to_string(),
        reason: e.to_string(),
    })?;
    Ok(to_json(yaml))
}

/// YAML to JSON as Python's `yaml.safe_load` + `json.dumps` would see it: mapping keys become
/// strings, tags are dropped, non-finite floats become null.
fn to_json(yaml: Yaml) -> Value {
    match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => number(&n),
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Yaml::Mapping(mapping) => {
            let map: Map<String, Value> = mapping
                .into_iter()
                .map(|(k, v)| (key_text(k), to_json(v)))
                .collect();
            Value::Object(map)
        }
        Yaml::Tagged(tagged) => to_json(tagged.value),
    }
}

fn number(n: &serde_norway::Number) -> Value {
    if let Some(u) = n.as_u64() {
        Value::Number(u.into())
    } else if let Some(i) = n.as_i64() {
        Value::Number(i.into())
    } else {
        n.as_f64()
            .and_then(Number::from_f64)
            .map_or(Value::Null, Value::Number)
    }
}

fn key_text(key: Yaml) -> String {
    match to_json(key) {
        Value::String(s) => s,
        Value::Null => "null".to_string(),
        other => other.to_string(),
    }
}

/// Parses a YAML list written in an environment variable the way Patroni does: the text is
/// wrapped in `[...]` unless it already is a list.
pub(crate) fn parse_env_list(text: &str) -> Option<Value> {
    let text = if text.trim_start().starts_with('-') || text.contains('[') {
        text.to_string()
    } else {
        format!("[{text}]")
    };
    parse_yaml("", &text).ok().filter(Value::is_array)
}

/// Parses a YAML mapping written in an environment variable: wrapped in `{...}` unless it
/// already starts with `{`.
pub(crate) fn parse_env_dict(text: &str) -> Option<Value> {
    let text = if text.trim_start().starts_with('{') {
        text.to_string()
    } else {
        format!("{{{text}}}")
    };
    parse_yaml("", &text).ok().filter(Value::is_object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_becomes_json() {
        let v = parse_yaml("t", "a: 1\nb: [x, 2.5]\n3: on\nc: !tag 'v'\nd: ~\n").expect("parses");
        assert_eq!(
            v,
            json!({"a": 1, "b": ["x", 2.5], "3": "on", "c": "v", "d": null})
        );
        assert_eq!(parse_yaml("t", "").expect("empty"), Value::Null);
    }

    #[test]
    fn errors_name_the_origin() {
        let e = parse_yaml("/etc/x.yml", "a: [1\n").expect_err("bad yaml");
        assert!(
            e.to_string().starts_with("/etc/x.yml is not valid YAML"),
            "{e}"
        );
    }

    #[test]
    fn env_lists_and_dicts() {
        assert_eq!(
            parse_env_list("'h1:2379','h2:2379'"),
            Some(json!(["h1:2379", "h2:2379"]))
        );
        assert_eq!(parse_env_list("[a, b]"), Some(json!(["a", "b"])));
        assert_eq!(
            parse_env_dict("a: 1, b: x"),
            Some(json!({"a": 1, "b": "x"}))
        );
        assert_eq!(parse_env_dict("{a: 1}"), Some(json!({"a": 1})));
        assert_eq!(parse_env_dict("[1"), None);
    }
}
