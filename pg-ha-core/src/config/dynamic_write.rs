//! `DynamicConfig::to_json`: the typed config to the JSON Patroni keeps in the `config` key.

use super::coerce::duration_json;
use super::dynamic_parse::KNOWN_KEYS;
use super::{DynamicConfig, StandbyCluster};
use serde_json::{Map, Value};

impl DynamicConfig {
    /// The JSON Patroni keeps in the `config` key after bootstrap: always `ttl`, `loop_wait`,
    /// `retry_timeout`, `maximum_lag_on_failover` and `postgresql`; every other key only when
    /// it differs from Patroni's default; and `extra` as it was read.
    ///
    /// Durations are integer seconds when whole, else a float. `synchronous_mode` is written
    /// as `true` or `"quorum"`. Round-trips through [`DynamicConfig::from_json`].
    pub fn to_json(&self) -> Value {
        let default = DynamicConfig::default();
        let mut map: Map<String, Value> = self
            .extra
            .iter()
            .filter(|(k, _)| !KNOWN_KEYS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut put = |key: &str, value: Value| {
            map.insert(key.to_string(), value);
        };
        put("ttl", duration_json(self.ttl));
        put("loop_wait", duration_json(self.loop_wait));
        put("retry_timeout", duration_json(self.retry_timeout));
        put(
            "maximum_lag_on_failover",
            self.maximum_lag_on_failover.into(),
        );
        if self.primary_start_timeout != default.primary_start_timeout {
            put(
                "primary_start_timeout",
                duration_json(self.primary_start_timeout),
            );
        }
        if self.primary_stop_timeout != default.primary_stop_timeout {
            put(
                "primary_stop_timeout",
                duration_json(self.primary_stop_timeout),
            );
        }
        if self.primary_race_backoff != default.primary_race_backoff {
            put(
                "primary_race_backoff",
                duration_json(self.primary_race_backoff),
            );
        }
        if self.synchronous_mode != default.synchronous_mode {
            put("synchronous_mode", self.synchronous_mode.to_json());
        }
        if self.synchronous_mode_strict {
            put("synchronous_mode_strict", true.into());
        }
        if self.synchronous_node_count != default.synchronous_node_count {
            put("synchronous_node_count", self.synchronous_node_count.into());
        }
        if self.maximum_lag_on_syncnode != default.maximum_lag_on_syncnode {
            put(
                "maximum_lag_on_syncnode",
                self.maximum_lag_on_syncnode.into(),
            );
        }
        if self.failsafe_mode {
            put("failsafe_mode", true.into());
        }
        if self.check_timeline {
            put("check_timeline", true.into());
        }
        if self.pause {
            put("pause", true.into());
        }
        if self.max_timelines_history != default.max_timelines_history {
            put("max_timelines_history", self.max_timelines_history.into());
        }
        if self.member_slots_ttl != default.member_slots_ttl {
            put("member_slots_ttl", duration_json(self.member_slots_ttl));
        }
        put("postgresql", self.postgresql.to_json());
        if let Some(standby) = &self.standby_cluster {
            put("standby_cluster", standby_json(standby));
        }
        if !self.slots.is_empty() {
            let slots = self.slots.clone().into_iter().collect();
            put("slots", Value::Object(slots));
        }
        Value::Object(map)
    }
}

fn standby_json(standby: &StandbyCluster) -> Value {
    let mut map: Map<String, Value> = standby
        .extra
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let texts = [
        ("host", &standby.host),
        ("primary_slot_name", &standby.primary_slot_name),
        ("restore_command", &standby.restore_command),
    ];
    for (key, value) in texts {
        if let Some(text) = value {
            map.insert(key.to_string(), Value::from(text.as_str()));
        }
    }
    if let Some(port) = standby.port {
        map.insert("port".to_string(), port.into());
    }
    Value::Object(map)
}
