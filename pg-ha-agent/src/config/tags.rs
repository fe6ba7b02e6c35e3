//! The `tags` section: built-in tags are checked and normalized the way Patroni publishes them
//! (boolean tags only when true); custom tags are kept as written.

use super::section::{describe, parse_bool, Section};
use super::ConfigWarning;
use pg_ha_core::model::Tags;
use pg_ha_core::ConfigError;
use serde_json::Value;

const BOOLEAN_TAGS: [&str; 5] = [
    "nofailover",
    "noloadbalance",
    "clonefrom",
    "nosync",
    "nostream",
];
const INTEGER_TAGS: [&str; 2] = ["failover_priority", "sync_priority"];

/// Reads `tags` into the effective tags this node publishes.
pub(crate) fn read_tags(
    root: &Section<'_>,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<Tags, ConfigError> {
    let s = root.sub("tags")?;
    let mut tags = Tags::default();
    for key in s.keys() {
        let Some(value) = s.get(key) else {
            continue;
        };
        if let Some(value) = tag_value(&s, key, value)? {
            tags.0.insert(key.clone(), value);
        }
    }
    conflicts(&s, &tags, warnings);
    Ok(tags)
}

/// The published value of one tag (`None`: not published).
fn tag_value(s: &Section<'_>, key: &str, value: &Value) -> Result<Option<Value>, ConfigError> {
    if BOOLEAN_TAGS.contains(&key) {
        let on = parse_bool(value).ok_or_else(|| {
            ConfigError::new(
                s.key(key),
                format!("expected a boolean (true/false), got {}", describe(value)),
            )
        })?;
        return Ok(on.then_some(Value::Bool(true)));
    }
    if INTEGER_TAGS.contains(&key) {
        let n = match value {
            Value::Number(n) => n.as_i64(),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        };
        return n.map(|n| Some(Value::from(n))).ok_or_else(|| {
            ConfigError::new(
                s.key(key),
                format!("expected an integer, got {}", describe(value)),
            )
        });
    }
    if key == "replicatefrom" && !value.is_string() {
        return Err(ConfigError::new(
            s.key(key),
            format!("expected a member name, got {}", describe(value)),
        ));
    }
    Ok(Some(value.clone()))
}

/// Patroni's warnings for contradictory tags (`nofailover` wins, `nosync` wins).
fn conflicts(s: &Section<'_>, tags: &Tags, warnings: &mut Vec<ConfigWarning>) {
    let pairs = [
        ("nofailover", "failover_priority"),
        ("nosync", "sync_priority"),
    ];
    for (flag, priority) in pairs {
        let positive = tags.0.get(priority).and_then(Value::as_i64).unwrap_or(0) > 0;
        if tags.0.contains_key(flag) && positive {
            warnings.push(ConfigWarning::new(
                s.key(priority),
                format!("conflicts with {flag}: true; {flag} wins"),
            ));
        }
    }
}
