//! `Control`: the mutations the REST API asks of the agent. The REST layer validates requests
//! (Patroni's checks, texts and codes) and calls these; the agent implements them over its
//! DCS and its runner loop.

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};
use pg_ha_core::model::{Cluster, Failover, Member, Version};
use pg_ha_core::{DcsError, PeerStatus};
use serde_json::{json, Map, Value};
use std::time::Duration;

/// A restart to run at a set time (`POST /restart` with `schedule`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledRestart {
    /// When (with a timezone).
    pub schedule: DateTime<FixedOffset>,
    /// Restart only if the node's role is this (`primary`, `standby_leader`, `replica`).
    pub role: Option<String>,
    /// Restart only if the running server version is lower than this (`X.Y[.Z]`).
    pub postgres_version: Option<String>,
    /// Restart only if a restart is pending.
    pub restart_pending: bool,
    /// How long the start may take (overrides `primary_start_timeout`).
    pub timeout: Option<Duration>,
}

impl ScheduledRestart {
    /// The value Patroni publishes as the member key's `scheduled_restart` (without
    /// `postmaster_start_time`, which the agent adds).
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert(
            "schedule".into(),
            json!(super::schedule::isoformat(&self.schedule)),
        );
        if let Some(role) = &self.role {
            map.insert("role".into(), json!(role));
        }
        if let Some(version) = &self.postgres_version {
            map.insert("postgres_version".into(), json!(version));
        }
        if self.restart_pending {
            map.insert("restart_pending".into(), json!(true));
        }
        if let Some(timeout) = self.timeout {
            map.insert("timeout".into(), json!(timeout.as_secs()));
        }
        Value::Object(map)
    }

    /// The restart as the runner keeps it: `decide` runs it when its time comes.
    pub fn to_core(&self) -> pg_ha_core::decide::ScheduledRestart {
        pg_ha_core::decide::ScheduledRestart {
            at: self.schedule.timestamp_millis(),
            filters: super::restart_filter::filters(
                self.role.as_deref(),
                self.postgres_version.as_deref(),
                self.restart_pending,
            ),
            published: self.to_json(),
        }
    }
}

/// What the REST API may ask of the agent. Implemented by the agent over its DCS and runner
/// loop; by tests over `pg_ha_core::MemoryDcs`.
#[async_trait]
pub trait Control: Send + Sync {
    /// A fresh, consistent read of the cluster from the DCS.
    async fn load_cluster(&self) -> Result<Cluster, DcsError>;

    /// Writes the `failover` key unconditionally (Patroni's REST writes it without CAS).
    async fn write_failover(&self, value: &Failover) -> Result<(), DcsError>;

    /// Sets `failover` to `{}` only if its version is still `version`; `Ok(false)` when it
    /// changed meanwhile.
    async fn clear_failover(&self, version: Version) -> Result<bool, DcsError>;

    /// Writes the `config` key: only if its version is still `version` when given,
    /// unconditionally otherwise. `Ok(false)` when the condition failed.
    async fn write_config(&self, value: &Value, version: Option<Version>)
        -> Result<bool, DcsError>;

    /// Asks `member`'s agent for its status (`GET api_url`), with a short timeout: the
    /// switchover checks need one healthy candidate.
    async fn member_status(&self, member: &Member) -> Result<PeerStatus, String>;

    /// Restarts PostgreSQL now and waits until it is done. `Err` carries the message for the
    /// client (`restart failed`, `<action> already in progress`, ...).
    async fn restart(&self, timeout: Option<Duration>) -> Result<(), String>;

    /// Schedules a restart; `false` when another one is already scheduled.
    async fn schedule_restart(&self, restart: ScheduledRestart) -> bool;

    /// Drops the scheduled restart; `false` when none was scheduled.
    async fn cancel_scheduled_restart(&self) -> bool;

    /// Starts re-cloning this replica (`force` cancels a running action). `Err` carries the
    /// message for the client (`<action> already in progress`).
    async fn reinitialize(&self, force: bool, from_leader: bool) -> Result<(), String>;

    /// Re-reads the configuration (as SIGHUP does).
    async fn reload(&self);

    /// Records that `leader` vouched for itself through `POST /failsafe`.
    fn failsafe_notice(&self, leader: &str);

    /// Runs a cycle of the HA loop now.
    fn wake(&self);
}
