//! `failsafe`: the members allowed to vouch for a leader during a DCS outage.

use super::dcs_value::{compact, json, DcsValue};
use super::lenient::type_name;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The value of the `failsafe` key: member name -> api_url. `null` reads as an empty map.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct Failsafe(pub BTreeMap<String, String>);

impl Failsafe {
    /// Parses the JSON form: `{name: api_url}`, or `null` for an empty map.
    pub fn from_value(value: &Value) -> Result<Failsafe, String> {
        let obj = match value {
            Value::Null => return Ok(Failsafe::default()),
            Value::Object(obj) => obj,
            other => return Err(format!("expected an object, got {}", type_name(other))),
        };
        obj.iter()
            .map(|(name, url)| match url {
                Value::String(url) => Ok((name.clone(), url.clone())),
                other => Err(format!(
                    "`{name}` must be an api_url string, got {}",
                    type_name(other)
                )),
            })
            .collect::<Result<_, _>>()
            .map(Failsafe)
    }
}

impl<'de> Deserialize<'de> for Failsafe {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Failsafe::from_value(&value).map_err(serde::de::Error::custom)
    }
}

impl DcsValue for Failsafe {
    /// An empty text is an empty map.
    fn from_text(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Ok(Failsafe::default());
        }
        Failsafe::from_value(&json(text)?)
    }

    fn to_text(&self) -> String {
        compact(self)
    }
}
