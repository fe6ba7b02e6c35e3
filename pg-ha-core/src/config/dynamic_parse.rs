//! `DynamicConfig::from_json`: the `config` key's JSON to the typed config (spec 5.2).

use super::coerce::{boolean, object, seconds, signed, sync_mode, unsigned, unsigned32};
use super::{ConfigError, DynamicConfig, PostgresqlDynamic, StandbyCluster};
use serde_json::{Map, Value};

/// Every top-level key `from_json` reads into a typed field (aliases included).
pub(crate) const KNOWN_KEYS: [&str; 23] = [
    "ttl",
    "loop_wait",
    "retry_timeout",
    "maximum_lag_on_failover",
    "primary_start_timeout",
    "master_start_timeout",
    "primary_stop_timeout",
    "master_stop_timeout",
    "primary_race_backoff",
    "synchronous_mode",
    "synchronous_mode_strict",
    "synchronous_node_count",
    "maximum_lag_on_syncnode",
    "failsafe_mode",
    "check_timeline",
    "pause",
    "max_timelines_history",
    "member_slots_ttl",
    "postgresql",
    "standby_cluster",
    "slots",
    "permanent_slots",
    "permanent_replication_slots",
];

/// Permanent slot keys in Patroni's order of precedence.
const SLOT_KEYS: [&str; 3] = ["permanent_replication_slots", "permanent_slots", "slots"];

impl DynamicConfig {
    /// Parses the JSON of the `config` key, filling Patroni's defaults.
    ///
    /// - A `null` value means the key is not set.
    /// - Durations are seconds (number, numeric string, or with a unit: `"30min"`).
    /// - Booleans are `on/true/yes/1` and `off/false/no/0`; `synchronous_mode` also `quorum`.
    /// - `primary_*_timeout` win over their old `master_*_timeout` spellings; slots are read
    ///   from the first non-empty of `permanent_replication_slots`, `permanent_slots`,
    ///   `slots`.
    /// - Unknown keys go to `extra`. Errors name the key.
    pub fn from_json(value: &Value) -> Result<DynamicConfig, ConfigError> {
        let obj = value.as_object().ok_or_else(|| {
            ConfigError::new("config", format!("expected a JSON object, got {value}"))
        })?;
        let get = |key: &'static str| obj.get(key).filter(|v| !v.is_null()).map(|v| (key, v));
        let either = |new: &'static str, old: &'static str| get(new).or_else(|| get(old));
        let mut cfg = DynamicConfig::default();
        if let Some((k, v)) = get("ttl") {
            cfg.ttl = seconds(k, v)?;
        }
        if let Some((k, v)) = get("loop_wait") {
            cfg.loop_wait = seconds(k, v)?;
        }
        if let Some((k, v)) = get("retry_timeout") {
            cfg.retry_timeout = seconds(k, v)?;
        }
        if let Some((k, v)) = get("maximum_lag_on_failover") {
            cfg.maximum_lag_on_failover = unsigned(k, v)?;
        }
        if let Some((k, v)) = either("primary_start_timeout", "master_start_timeout") {
            cfg.primary_start_timeout = seconds(k, v)?;
        }
        if let Some((k, v)) = either("primary_stop_timeout", "master_stop_timeout") {
            cfg.primary_stop_timeout = seconds(k, v)?;
        }
        if let Some((k, v)) = get("primary_race_backoff") {
            cfg.primary_race_backoff = seconds(k, v)?;
        }
        if let Some((k, v)) = get("synchronous_mode") {
            cfg.synchronous_mode = sync_mode(k, v)?;
        }
        if let Some((k, v)) = get("synchronous_mode_strict") {
            cfg.synchronous_mode_strict = boolean(k, v)?;
        }
        if let Some((k, v)) = get("synchronous_node_count") {
            cfg.synchronous_node_count = unsigned32(k, v)?;
        }
        if let Some((k, v)) = get("maximum_lag_on_syncnode") {
            cfg.maximum_lag_on_syncnode = signed(k, v)?;
        }
        if let Some((k, v)) = get("failsafe_mode") {
            cfg.failsafe_mode = boolean(k, v)?;
        }
        if let Some((k, v)) = get("check_timeline") {
            cfg.check_timeline = boolean(k, v)?;
        }
        if let Some((k, v)) = get("pause") {
            cfg.pause = boolean(k, v)?;
        }
        if let Some((k, v)) = get("max_timelines_history") {
            cfg.max_timelines_history = unsigned32(k, v)?;
        }
        if let Some((k, v)) = get("member_slots_ttl") {
            cfg.member_slots_ttl = seconds(k, v)?;
        }
        if let Some((_, v)) = get("postgresql") {
            cfg.postgresql = PostgresqlDynamic::from_json(v)?;
        }
        if let Some((k, v)) = get("standby_cluster") {
            cfg.standby_cluster = Some(standby_cluster(k, v)?);
        }
        cfg.slots = permanent_slots(obj)?;
        super::slots::parse_permanent(&cfg.slots)?;
        super::slots::parse_ignore(obj.get("ignore_slots"))?;
        cfg.extra = obj
            .iter()
            .filter(|(k, _)| !KNOWN_KEYS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Ok(cfg)
    }
}

fn standby_cluster(key: &str, v: &Value) -> Result<StandbyCluster, ConfigError> {
    if !v.is_object() {
        return Err(ConfigError::new(
            key,
            format!("expected an object, got {v}"),
        ));
    }
    serde_json::from_value(v.clone()).map_err(|e| ConfigError::new(key, e.to_string()))
}

fn permanent_slots(
    obj: &Map<String, Value>,
) -> Result<std::collections::BTreeMap<String, Value>, ConfigError> {
    for key in SLOT_KEYS {
        if let Some(v) = obj.get(key) {
            let slots = object(key, v)?;
            if !slots.is_empty() {
                return Ok(slots);
            }
        }
    }
    Ok(Default::default())
}
