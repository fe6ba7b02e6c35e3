//! The dynamic configuration (`config` key) with Patroni's defaults.

use super::ConfigError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// `synchronous_mode`: off, on (`FIRST n`) or quorum (`ANY n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncMode {
    /// Asynchronous replication.
    #[default]
    Off,
    /// `FIRST n (...)`.
    On,
    /// `ANY n (...)`.
    Quorum,
}

/// `postgresql` inside the dynamic config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostgresqlDynamic {
    /// Use pg_rewind to rejoin a diverged old primary.
    #[serde(default)]
    pub use_pg_rewind: bool,
    /// Physical replication slots for members.
    #[serde(default = "default_true")]
    pub use_slots: bool,
    /// PostgreSQL parameters.
    #[serde(default)]
    pub parameters: BTreeMap<String, Value>,
    /// Remove the data directory and re-clone when pg_rewind fails.
    #[serde(default)]
    pub remove_data_directory_on_rewind_failure: bool,
    /// Remove the data directory and re-clone when timelines diverged and rewind is impossible.
    #[serde(default)]
    pub remove_data_directory_on_diverged_timelines: bool,
    /// Any other key (pg_hba, recovery_conf, ...), kept as it is.
    #[serde(flatten)]
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

fn default_true() -> bool {
    true
}

/// `standby_cluster`: this cluster replicates from a remote primary.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StandbyCluster {
    /// Remote host.
    #[serde(default)]
    pub host: Option<String>,
    /// Remote port.
    #[serde(default)]
    pub port: Option<u16>,
    /// Slot on the remote.
    #[serde(default)]
    pub primary_slot_name: Option<String>,
    /// restore_command for archive recovery.
    #[serde(default)]
    pub restore_command: Option<String>,
    /// Any other key, kept as it is.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// The dynamic configuration, with Patroni's defaults. Durations are whole seconds on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct DynamicConfig {
    /// Leader lease lifetime (`ttl`, default 30 s).
    pub ttl: Duration,
    /// Time between cycles (`loop_wait`, default 10 s).
    pub loop_wait: Duration,
    /// Deadline for DCS and PostgreSQL retries (`retry_timeout`, default 10 s).
    pub retry_timeout: Duration,
    /// Replicas further behind than this many bytes are not promoted (default 1 MiB).
    pub maximum_lag_on_failover: u64,
    /// How long a crashed primary may take to restart in place (default 300 s).
    pub primary_start_timeout: Duration,
    /// SIGKILL a slow-stopping primary after this (0 = never; sync mode only).
    pub primary_stop_timeout: Duration,
    /// Synchronous replication mode.
    pub synchronous_mode: SyncMode,
    /// Block writes rather than lose the sync guarantee.
    pub synchronous_mode_strict: bool,
    /// How many synchronous standbys (default 1).
    pub synchronous_node_count: u32,
    /// Drop sync candidates further behind than this (-1 = off).
    pub maximum_lag_on_syncnode: i64,
    /// Keep a primary running through a DCS outage when every member vouches for it.
    pub failsafe_mode: bool,
    /// Refuse to promote a node on an older timeline.
    pub check_timeline: bool,
    /// Pause (maintenance) mode.
    pub pause: bool,
    /// Trim `history` to this many entries (0 = unlimited).
    pub max_timelines_history: u32,
    /// Keep member slots this long after a member disappears.
    pub member_slots_ttl: Duration,
    /// `postgresql` section.
    pub postgresql: PostgresqlDynamic,
    /// `standby_cluster` section.
    pub standby_cluster: Option<StandbyCluster>,
    /// Permanent slots (`slots`).
    pub slots: BTreeMap<String, Value>,
    /// Any other top-level key, kept as it is.
    pub extra: BTreeMap<String, Value>,
}

impl Default for DynamicConfig {
    fn default() -> Self {
        DynamicConfig {
            ttl: Duration::from_secs(30),
            loop_wait: Duration::from_secs(10),
            retry_timeout: Duration::from_secs(10),
            maximum_lag_on_failover: 1_048_576,
            primary_start_timeout: Duration::from_secs(300),
            primary_stop_timeout: Duration::ZERO,
            synchronous_mode: SyncMode::Off,
            synchronous_mode_strict: false,
            synchronous_node_count: 1,
            maximum_lag_on_syncnode: -1,
            failsafe_mode: false,
            check_timeline: false,
            pause: false,
            max_timelines_history: 0,
            member_slots_ttl: Duration::from_secs(1800),
            postgresql: PostgresqlDynamic::default(),
            standby_cluster: None,
            slots: BTreeMap::new(),
            extra: BTreeMap::new(),
        }
    }
}

impl DynamicConfig {
    /// Parses the JSON of the `config` key, filling Patroni's defaults.
    pub fn from_json(value: &Value) -> Result<DynamicConfig, ConfigError> {
        let obj = value
            .as_object()
            .ok_or_else(|| ConfigError::new("config", "expected a JSON object"))?;
        let mut cfg = DynamicConfig::default();
        for (key, v) in obj {
            match key.as_str() {
                "ttl" => cfg.ttl = seconds(key, v)?,
                "loop_wait" => cfg.loop_wait = seconds(key, v)?,
                "retry_timeout" => cfg.retry_timeout = seconds(key, v)?,
                "maximum_lag_on_failover" => cfg.maximum_lag_on_failover = unsigned(key, v)?,
                "primary_start_timeout" | "master_start_timeout" => {
                    cfg.primary_start_timeout = seconds(key, v)?
                }
                "primary_stop_timeout" | "master_stop_timeout" => {
                    cfg.primary_stop_timeout = seconds(key, v)?
                }
                "synchronous_mode" => cfg.synchronous_mode = sync_mode(key, v)?,
                "synchronous_mode_strict" => cfg.synchronous_mode_strict = boolean(key, v)?,
                "synchronous_node_count" => cfg.synchronous_node_count = unsigned(key, v)? as u32,
                "maximum_lag_on_syncnode" => cfg.maximum_lag_on_syncnode = signed(key, v)?,
                "failsafe_mode" => cfg.failsafe_mode = boolean(key, v)?,
                "check_timeline" => cfg.check_timeline = boolean(key, v)?,
                "pause" => cfg.pause = !v.is_null() && boolean(key, v)?,
                "max_timelines_history" => cfg.max_timelines_history = unsigned(key, v)? as u32,
                "member_slots_ttl" => cfg.member_slots_ttl = seconds(key, v)?,
                "postgresql" => {
                    cfg.postgresql = serde_json::from_value(v.clone())
                        .map_err(|e| ConfigError::new(key.as_str(), e.to_string()))?
                }
                "standby_cluster" if v.is_null() => cfg.standby_cluster = None,
                "standby_cluster" => {
                    cfg.standby_cluster = Some(
                        serde_json::from_value(v.clone())
                            .map_err(|e| ConfigError::new(key.as_str(), e.to_string()))?,
                    )
                }
                "slots" | "permanent_slots" | "permanent_replication_slots" => {
                    if let Some(map) = v.as_object() {
                        cfg.slots = map.clone().into_iter().collect();
                    }
                }
                _ => {
                    cfg.extra.insert(key.clone(), v.clone());
                }
            }
        }
        Ok(cfg)
    }

    /// Checks the relations between values (`loop_wait + 2 * retry_timeout <= ttl`, ...),
    /// naming the key that is wrong. Unlike Patroni, short ttls are allowed.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.ttl < Duration::from_secs(2) {
            return Err(ConfigError::new("ttl", "must be at least 2 seconds"));
        }
        if self.loop_wait < Duration::from_secs(1) {
            return Err(ConfigError::new("loop_wait", "must be at least 1 second"));
        }
        if self.loop_wait + 2 * self.retry_timeout > self.ttl {
            return Err(ConfigError::new(
                "ttl",
                format!(
                    "loop_wait ({}s) + 2 * retry_timeout ({}s) must not exceed ttl ({}s)",
                    self.loop_wait.as_secs_f64(),
                    self.retry_timeout.as_secs_f64(),
                    self.ttl.as_secs_f64()
                ),
            ));
        }
        if self.synchronous_node_count < 1 {
            return Err(ConfigError::new(
                "synchronous_node_count",
                "must be at least 1",
            ));
        }
        Ok(())
    }

    /// The safety margin before lease expiry at which a leader that could not renew stops
    /// accepting writes: a quarter of ttl, at least 1 s and at most 5 s.
    pub fn safety_margin(&self) -> Duration {
        (self.ttl / 4).clamp(Duration::from_secs(1), Duration::from_secs(5))
    }

    /// True when this is a standby cluster.
    pub fn is_standby_cluster(&self) -> bool {
        self.standby_cluster.is_some()
    }
}

fn seconds(key: &str, v: &Value) -> Result<Duration, ConfigError> {
    let secs = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match secs {
        Some(s) if s.is_finite() && s >= 0.0 => Ok(Duration::from_secs_f64(s)),
        _ => Err(ConfigError::new(
            key,
            format!("expected a number of seconds, got {v}"),
        )),
    }
}

fn unsigned(key: &str, v: &Value) -> Result<u64, ConfigError> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| ConfigError::new(key, format!("expected a non-negative integer, got {v}")))
}

fn signed(key: &str, v: &Value) -> Result<i64, ConfigError> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| ConfigError::new(key, format!("expected an integer, got {v}")))
}

/// Patroni's booleans: `on/true/yes/1` and `off/false/no/0`.
fn boolean(key: &str, v: &Value) -> Result<bool, ConfigError> {
    match v {
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
    .ok_or_else(|| {
        ConfigError::new(
            key,
            format!("expected a boolean (on/off, true/false), got {v}"),
        )
    })
}

fn sync_mode(key: &str, v: &Value) -> Result<SyncMode, ConfigError> {
    if let Value::String(s) = v {
        if s.eq_ignore_ascii_case("quorum") {
            return Ok(SyncMode::Quorum);
        }
    }
    boolean(key, v)
        .map(|on| if on { SyncMode::On } else { SyncMode::Off })
        .map_err(|_| ConfigError::new(key, format!("expected on, off or quorum, got {v}")))
}
