//! The dynamic configuration (`config` key) with Patroni's defaults.
//!
//! Reading is in `dynamic_parse.rs`, writing in `dynamic_write.rs`, checks in `validate.rs`.

use super::{PostgresqlDynamic, StandbyCluster, SyncMode};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// Patroni's default `ttl`.
pub const DEFAULT_TTL: Duration = Duration::from_secs(30);

/// Patroni's default `retry_timeout`.
pub const DEFAULT_RETRY_TIMEOUT: Duration = Duration::from_secs(10);

/// The dynamic configuration, with Patroni's defaults. Durations are seconds on the wire.
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
    /// With no leader, a replica whose WAL still advances (the old primary may still be
    /// alive) waits up to this long before racing for the key (0 = race at once).
    pub primary_race_backoff: Duration,
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
    /// Permanent slots (`slots`; read also from `permanent_slots` and
    /// `permanent_replication_slots`).
    pub slots: BTreeMap<String, Value>,
    /// Any other top-level key (`ignore_slots`, ...), kept as it is.
    pub extra: BTreeMap<String, Value>,
}

impl Default for DynamicConfig {
    fn default() -> Self {
        DynamicConfig {
            ttl: DEFAULT_TTL,
            loop_wait: Duration::from_secs(10),
            retry_timeout: DEFAULT_RETRY_TIMEOUT,
            maximum_lag_on_failover: 1_048_576,
            primary_start_timeout: Duration::from_secs(300),
            primary_stop_timeout: Duration::ZERO,
            primary_race_backoff: Duration::ZERO,
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

/// The safety margin before lease expiry at which a leader that could not renew stops
/// accepting writes: a quarter of `ttl`, at least 1 s and at most 5 s.
pub fn safety_margin(ttl: Duration) -> Duration {
    (ttl / 4).clamp(Duration::from_secs(1), Duration::from_secs(5))
}

/// How long after a lease acquire or renewal was sent the leader may go on writing: `ttl`
/// minus the [safety margin](safety_margin). The write fence fires then; every DCS backend
/// must keep the leader key at least that long after the request was sent (the conformance
/// check `lease_outlives_the_fence`).
pub fn lease_budget(ttl: Duration) -> Duration {
    ttl.saturating_sub(safety_margin(ttl))
}

/// How long before the lease deadline a primary that cannot reach the DCS stops cleanly (a
/// fast shutdown: no new commits, and the connected standbys receive every WAL record before
/// the server exits), so that a standby elected after the lease expires has every commit
/// that was acknowledged: a quarter of the [lease budget](lease_budget), at most 2 s. The
/// write fence still fires at the deadline if the stop has not finished by then.
pub fn clean_demotion_lead(ttl: Duration) -> Duration {
    (lease_budget(ttl) / 4).min(Duration::from_secs(2))
}

/// How long after a keep-alive of the leader's lease a renewal may skip the next one (a
/// backend that saves that round trip dates the renewal back to the keep-alive, see
/// [`crate::dcs::Dcs::lease_extended_ago`]): a quarter of `ttl`, but only as long as a
/// renewal dated back still leaves half the ttl before the [clean
/// demotion](clean_demotion_lead), time for a next cycle slowed by a loaded machine. None
/// at ttl 2 or 3 (the whole budget is needed), 3 s of the 5 s quarter at ttl 20, the whole
/// quarter at Patroni's default ttl 30.
pub fn leader_keep_alive_skip(ttl: Duration) -> Duration {
    let until_clean_stop = lease_budget(ttl).saturating_sub(clean_demotion_lead(ttl));
    (ttl / 4).min(until_clean_stop.saturating_sub(ttl / 2))
}

impl DynamicConfig {
    /// [`safety_margin`] of this configuration's ttl.
    pub fn safety_margin(&self) -> Duration {
        safety_margin(self.ttl)
    }

    /// [`lease_budget`] of this configuration's ttl.
    pub fn lease_budget(&self) -> Duration {
        lease_budget(self.ttl)
    }

    /// True when this is a standby cluster: a `standby_cluster` section with a `host`, `port`
    /// or `restore_command` (Patroni ignores a section without any of them).
    pub fn is_standby_cluster(&self) -> bool {
        self.standby_cluster
            .as_ref()
            .is_some_and(StandbyCluster::is_active)
    }

    /// The remote a standby leader follows, in a standby cluster.
    pub fn remote_upstream(&self) -> Option<crate::postgres::Upstream> {
        self.standby_cluster
            .as_ref()
            .filter(|s| s.is_active())
            .map(StandbyCluster::upstream)
    }
}

impl Serialize for DynamicConfig {
    /// Writes [`DynamicConfig::to_json`].
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for DynamicConfig {
    /// Reads through [`DynamicConfig::from_json`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        DynamicConfig::from_json(&value).map_err(serde::de::Error::custom)
    }
}
