//! `postgresql` inside the dynamic config.

use super::coerce::{boolean, object};
use super::ConfigError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Keys that are local to each node; Patroni strips them from the dynamic `postgresql`.
pub const LOCAL_ONLY_KEYS: [&str; 7] = [
    "connect_address",
    "proxy_address",
    "listen",
    "config_dir",
    "data_dir",
    "pgpass",
    "authentication",
];

/// `postgresql` inside the dynamic config.
///
/// Reads Patroni's booleans (`on`/`off`, ...) and strips the local-only keys
/// ([`LOCAL_ONLY_KEYS`]); writes `use_pg_rewind` and `use_slots` always, `parameters` when not
/// empty, the `remove_data_directory_*` flags when set, and every other key as it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct PostgresqlDynamic {
    /// Use pg_rewind to rejoin a diverged old primary.
    pub use_pg_rewind: bool,
    /// Physical replication slots for members.
    pub use_slots: bool,
    /// PostgreSQL parameters.
    pub parameters: BTreeMap<String, Value>,
    /// Remove the data directory and re-clone when pg_rewind fails.
    pub remove_data_directory_on_rewind_failure: bool,
    /// Remove the data directory and re-clone when timelines diverged and rewind is impossible.
    pub remove_data_directory_on_diverged_timelines: bool,
    /// Any other key (pg_hba, recovery_conf, `parameters_<role>`, ...), kept as it is.
    pub extra: BTreeMap<String, Value>,
}

impl Default for PostgresqlDynamic {
    fn default() -> Self {
        PostgresqlDynamic {
            use_pg_rewind: false,
            use_slots: true,
            parameters: BTreeMap::new(),
            remove_data_directory_on_rewind_failure: false,
            remove_data_directory_on_diverged_timelines: false,
            extra: BTreeMap::new(),
        }
    }
}

impl PostgresqlDynamic {
    /// Parses the `postgresql` section (`null` is the default); errors name
    /// `postgresql.<key>`.
    pub fn from_json(value: &Value) -> Result<PostgresqlDynamic, ConfigError> {
        let obj = match value {
            Value::Null => return Ok(PostgresqlDynamic::default()),
            Value::Object(obj) => obj,
            other => {
                return Err(ConfigError::new(
                    "postgresql",
                    format!("expected an object, got {other}"),
                ))
            }
        };
        let mut pg = PostgresqlDynamic::default();
        for (key, v) in obj {
            let path = format!("postgresql.{key}");
            match key.as_str() {
                _ if v.is_null() && is_known(key) => {}
                "use_pg_rewind" => pg.use_pg_rewind = boolean(&path, v)?,
                "use_slots" => pg.use_slots = boolean(&path, v)?,
                "parameters" => pg.parameters = object(&path, v)?,
                "remove_data_directory_on_rewind_failure" => {
                    pg.remove_data_directory_on_rewind_failure = boolean(&path, v)?
                }
                "remove_data_directory_on_diverged_timelines" => {
                    pg.remove_data_directory_on_diverged_timelines = boolean(&path, v)?
                }
                k if LOCAL_ONLY_KEYS.contains(&k) => {}
                _ => {
                    pg.extra.insert(key.clone(), v.clone());
                }
            }
        }
        Ok(pg)
    }

    /// The JSON Patroni keeps for this section.
    pub fn to_json(&self) -> Value {
        let mut map: Map<String, Value> = self
            .extra
            .iter()
            .filter(|(k, _)| !is_known(k) && !LOCAL_ONLY_KEYS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        map.insert("use_pg_rewind".into(), self.use_pg_rewind.into());
        map.insert("use_slots".into(), self.use_slots.into());
        if !self.parameters.is_empty() {
            let params = self.parameters.clone().into_iter().collect();
            map.insert("parameters".into(), Value::Object(params));
        }
        if self.remove_data_directory_on_rewind_failure {
            map.insert(
                "remove_data_directory_on_rewind_failure".into(),
                true.into(),
            );
        }
        if self.remove_data_directory_on_diverged_timelines {
            map.insert(
                "remove_data_directory_on_diverged_timelines".into(),
                true.into(),
            );
        }
        Value::Object(map)
    }
}

fn is_known(key: &str) -> bool {
    matches!(
        key,
        "use_pg_rewind"
            | "use_slots"
            | "parameters"
            | "remove_data_directory_on_rewind_failure"
            | "remove_data_directory_on_diverged_timelines"
    )
}

impl Serialize for PostgresqlDynamic {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for PostgresqlDynamic {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        PostgresqlDynamic::from_json(&value).map_err(serde::de::Error::custom)
    }
}
