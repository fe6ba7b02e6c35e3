//! The slot settings of the dynamic configuration: permanent `slots` and `ignore_slots`
//! (Patroni's formats), checked when the configuration is parsed.

use super::{ConfigError, DynamicConfig};
use crate::postgres::{ExistingSlot, SlotKind, SlotSpec};
use serde_json::Value;
use std::collections::BTreeMap;

/// One `ignore_slots` rule: a slot matches when every property the rule gives is equal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IgnoreRule {
    /// `name`.
    pub name: Option<String>,
    /// `type`: `physical` or `logical`.
    pub slot_type: Option<String>,
    /// `database`.
    pub database: Option<String>,
    /// `plugin`.
    pub plugin: Option<String>,
}

impl IgnoreRule {
    /// True when `slot` has every property of this rule.
    pub fn matches(&self, slot: &ExistingSlot) -> bool {
        let (slot_type, database, plugin) = match &slot.kind {
            SlotKind::Physical => ("physical", None, None),
            SlotKind::Logical { database, plugin } => {
                ("logical", Some(database.as_str()), Some(plugin.as_str()))
            }
        };
        let same = |want: &Option<String>, have: Option<&str>| {
            want.as_deref().is_none_or(|w| Some(w) == have)
        };
        same(&self.name, Some(&slot.name))
            && same(&self.slot_type, Some(slot_type))
            && same(&self.database, database)
            && same(&self.plugin, plugin)
    }
}

fn text(key: &str, entry: &Value, field: &str) -> Result<Option<String>, ConfigError> {
    match entry.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(ConfigError::new(
            format!("{key}.{field}"),
            format!("expected a string, got {other}"),
        )),
    }
}

/// One permanent slot: `null` or `{type: physical}`, or `{type: logical, database, plugin}`.
fn permanent(name: &str, value: &Value) -> Result<SlotSpec, ConfigError> {
    let key = format!("slots.{name}");
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(ConfigError::new(
            key.clone(),
            "a slot name may only contain lower-case letters, digits and underscores",
        ));
    }
    if !(value.is_null() || value.is_object()) {
        return Err(ConfigError::new(
            key.clone(),
            format!("expected an object, got {value}"),
        ));
    }
    let kind = match text(&key, value, "type")?.as_deref() {
        None | Some("physical") => SlotKind::Physical,
        Some("logical") => {
            let need = |field: &str| {
                text(&key, value, field)?.ok_or_else(|| {
                    ConfigError::new(format!("{key}.{field}"), "a logical slot needs it")
                })
            };
            SlotKind::Logical {
                database: need("database")?,
                plugin: need("plugin")?,
            }
        }
        Some(other) => {
            return Err(ConfigError::new(
                format!("{key}.type"),
                format!("expected physical or logical, got {other}"),
            ))
        }
    };
    Ok(SlotSpec {
        name: name.to_string(),
        kind,
    })
}

/// The permanent slots of `slots`, by name.
pub(super) fn parse_permanent(
    slots: &BTreeMap<String, Value>,
) -> Result<Vec<SlotSpec>, ConfigError> {
    slots.iter().map(|(name, v)| permanent(name, v)).collect()
}

/// The rules of `ignore_slots` (a list of objects; `null` = none).
pub(super) fn parse_ignore(value: Option<&Value>) -> Result<Vec<IgnoreRule>, ConfigError> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(ConfigError::new(
                "ignore_slots",
                format!("expected a list, got {other}"),
            ))
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let key = format!("ignore_slots[{i}]");
            if !item.is_object() {
                return Err(ConfigError::new(
                    key.clone(),
                    format!("expected an object, got {item}"),
                ));
            }
            Ok(IgnoreRule {
                name: text(&key, item, "name")?,
                slot_type: text(&key, item, "type")?,
                database: text(&key, item, "database")?,
                plugin: text(&key, item, "plugin")?,
            })
        })
        .collect()
}

impl DynamicConfig {
    /// The permanent slots (`slots`); checked when the configuration was parsed.
    pub fn permanent_slots(&self) -> Vec<SlotSpec> {
        parse_permanent(&self.slots).unwrap_or_default()
    }

    /// The `ignore_slots` rules; checked when the configuration was parsed.
    pub fn ignore_slots(&self) -> Vec<IgnoreRule> {
        parse_ignore(self.extra.get("ignore_slots")).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn slot(name: &str, kind: SlotKind) -> ExistingSlot {
        ExistingSlot {
            name: name.into(),
            kind,
            active: false,
            position: None,
        }
    }

    #[test]
    fn permanent_slots_in_patronis_forms() {
        let slots: BTreeMap<String, Value> = serde_json::from_value(json!({
            "archiver": null,
            "backup": {"type": "physical"},
            "cdc": {"type": "logical", "database": "app", "plugin": "pgoutput"},
        }))
        .expect("map");
        let specs = parse_permanent(&slots).expect("valid");
        assert_eq!(specs[0], SlotSpec::physical("archiver"));
        assert_eq!(specs[1], SlotSpec::physical("backup"));
        assert_eq!(
            specs[2].kind,
            SlotKind::Logical {
                database: "app".into(),
                plugin: "pgoutput".into()
            }
        );
    }

    #[test]
    fn bad_permanent_slots_name_the_key() {
        let bad = |v: Value| {
            let slots: BTreeMap<String, Value> = serde_json::from_value(v).expect("map");
            parse_permanent(&slots).expect_err("invalid").to_string()
        };
        assert!(
            bad(json!({"cdc": {"type": "logical", "plugin": "x"}})).contains("slots.cdc.database")
        );
        assert!(bad(json!({"x": {"type": "weird"}})).contains("slots.x.type"));
        assert!(bad(json!({"Bad-Name": null})).contains("slots.Bad-Name"));
        assert!(bad(json!({"x": 3})).contains("slots.x"));
    }

    #[test]
    fn ignore_rules_match_every_given_property() {
        let rules = parse_ignore(Some(&json!([
            {"name": "backup_tool"},
            {"type": "logical", "database": "app"},
        ])))
        .expect("valid");
        assert!(rules[0].matches(&slot("backup_tool", SlotKind::Physical)));
        assert!(!rules[0].matches(&slot("other", SlotKind::Physical)));
        let cdc = |database: &str| SlotKind::Logical {
            database: database.into(),
            plugin: "pgoutput".into(),
        };
        assert!(rules[1].matches(&slot("anything", cdc("app"))));
        assert!(!rules[1].matches(&slot("anything", cdc("other"))));
        assert!(!rules[1].matches(&slot("anything", SlotKind::Physical)));
        let err = parse_ignore(Some(&json!({"name": "x"}))).expect_err("not a list");
        assert!(err.to_string().contains("ignore_slots"));
        let err = parse_ignore(Some(&json!([{"name": 1}]))).expect_err("bad name");
        assert!(err.to_string().contains("ignore_slots[0].name"));
    }
}
