//! `members/<name>`: what each node publishes about itself every cycle.

use super::conn_url::split_legacy_url;
use super::dcs_value::{compact, DcsValue};
use super::lenient::{de_null_default, de_opt_u32, de_opt_u64, type_name};
use super::{Tags, Version};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The `role` field of a member key. Patroni < 3 wrote `master`; both parse as `Primary`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Running as the read-write primary.
    #[serde(alias = "master")]
    Primary,
    /// Streaming or archive replica.
    Replica,
    /// Leader of a standby cluster.
    StandbyLeader,
    /// Just demoted.
    Demoted,
    /// No data directory yet.
    Uninitialized,
    /// Just promoted.
    Promoted,
}

/// The `state` field of a member key, in Patroni's metric index order (0..14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MemberState {
    /// `initializing new cluster`
    #[serde(rename = "initializing new cluster")]
    InitializingNewCluster,
    /// `initdb failed`
    #[serde(rename = "initdb failed")]
    InitdbFailed,
    /// `running custom bootstrap script`
    #[serde(rename = "running custom bootstrap script")]
    RunningCustomBootstrapScript,
    /// `custom bootstrap failed`
    #[serde(rename = "custom bootstrap failed")]
    CustomBootstrapFailed,
    /// `creating replica`
    #[serde(rename = "creating replica")]
    CreatingReplica,
    /// `running`
    #[serde(rename = "running")]
    Running,
    /// `starting`
    #[serde(rename = "starting")]
    Starting,
    /// `starting after custom bootstrap`
    #[serde(rename = "starting after custom bootstrap")]
    StartingAfterCustomBootstrap,
    /// `start failed`
    #[serde(rename = "start failed")]
    StartFailed,
    /// `restarting`
    #[serde(rename = "restarting")]
    Restarting,
    /// `restart failed`
    #[serde(rename = "restart failed")]
    RestartFailed,
    /// `stopping`
    #[serde(rename = "stopping")]
    Stopping,
    /// `stopped`
    #[serde(rename = "stopped")]
    Stopped,
    /// `stop failed`
    #[serde(rename = "stop failed")]
    StopFailed,
    /// `crashed`
    #[serde(rename = "crashed")]
    Crashed,
}

impl MemberState {
    /// The state's index in Patroni's `patroni_postgres_state` metric.
    pub fn metric_index(self) -> u8 {
        self as u8
    }
}

/// The JSON value of a member key, field for field as Patroni writes it (in Patroni's order).
///
/// Reading also accepts LSNs and timelines written as strings, `null` for absent fields, and
/// (through [`DcsValue::from_text`]) the legacy connection-URL form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberData {
    /// `postgres://<connect_address>/postgres`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conn_url: Option<String>,
    /// `http(s)://<restapi connect_address>/patroni`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// PostgreSQL's state.
    pub state: MemberState,
    /// The node's role.
    pub role: Role,
    /// A Patroni version number that Patroni tools parse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `false` on a new leader until its post-promote checkpoint is done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_after_promote: Option<bool>,
    /// Effective tags.
    #[serde(
        default,
        deserialize_with = "de_null_default",
        skip_serializing_if = "tags_empty"
    )]
    pub tags: Tags,
    /// Parameters changed that need a restart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_restart: Option<bool>,
    /// Why a restart is pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_restart_reason: Option<Value>,
    /// Flush LSN on a primary; max(receive, replay) on a replica.
    #[serde(
        default,
        deserialize_with = "de_opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub xlog_location: Option<u64>,
    /// Replica only: replayed LSN.
    #[serde(
        default,
        deserialize_with = "de_opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub replay_lsn: Option<u64>,
    /// Replica only: received LSN.
    #[serde(
        default,
        deserialize_with = "de_opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub receive_lsn: Option<u64>,
    /// Replica only: `streaming` or `in archive recovery`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication_state: Option<String>,
    /// PostgreSQL's timeline.
    #[serde(
        default,
        deserialize_with = "de_opt_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeline: Option<u32>,
    /// A scheduled restart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_restart: Option<Value>,
    /// Present and true while the cluster is paused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause: Option<bool>,
    /// pg-ha's own version (Patroni tools ignore it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pg_ha_version: Option<String>,
    /// Any other field (`proxy_url`, ...), kept as it is.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

fn tags_empty(tags: &Tags) -> bool {
    tags.0.is_empty()
}

impl MemberData {
    /// A member value with only the always-present fields set.
    pub fn new(state: MemberState, role: Role) -> MemberData {
        MemberData {
            conn_url: None,
            api_url: None,
            state,
            role,
            version: None,
            xlog_location: None,
            receive_lsn: None,
            replay_lsn: None,
            replication_state: None,
            timeline: None,
            tags: Tags::default(),
            pending_restart: None,
            pending_restart_reason: None,
            scheduled_restart: None,
            pause: None,
            checkpoint_after_promote: None,
            pg_ha_version: None,
            extra: BTreeMap::new(),
        }
    }

    /// The member's WAL position for elections: `xlog_location`, else max(receive, replay).
    pub fn wal_position(&self) -> Option<u64> {
        self.xlog_location
            .or_else(|| self.receive_lsn.max(self.replay_lsn))
    }

    /// The legacy member value `postgres://u:p@h:port/db?application_name=<api_url>`:
    /// `conn_url` is the URL without its query, `api_url` the decoded `application_name`.
    /// Such members predate the `state` and `role` fields; they read as a running replica
    /// (whether a member leads is decided by the `leader` key, not by this value).
    pub fn from_legacy_url(value: &str) -> MemberData {
        let (conn_url, api_url) = split_legacy_url(value.trim());
        MemberData {
            conn_url: Some(conn_url),
            api_url,
            ..MemberData::new(MemberState::Running, Role::Replica)
        }
    }
}

impl DcsValue for MemberData {
    /// A value starting with `postgres` is the legacy connection URL; anything else must be a
    /// JSON object with at least `state` and `role`.
    fn from_text(text: &str) -> Result<Self, String> {
        let trimmed = text.trim_start();
        if trimmed.starts_with("postgres") {
            return Ok(MemberData::from_legacy_url(trimmed));
        }
        if trimmed.is_empty() {
            return Err("empty value".to_string());
        }
        // In one pass; the slower path below only words the error.
        if let Ok(data) = serde_json::from_str::<MemberData>(trimmed) {
            return Ok(data);
        }
        let value: Value =
            serde_json::from_str(trimmed).map_err(|e| format!("not valid JSON: {e}"))?;
        if !value.is_object() {
            return Err(format!("expected an object, got {}", type_name(&value)));
        }
        serde_json::from_value(value).map_err(|e| e.to_string())
    }

    fn to_text(&self) -> String {
        compact(self)
    }
}

/// A member key: the name, the parsed value, and DCS metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The member's name (the last path segment of its key).
    pub name: String,
    /// The key's version.
    pub version: Version,
    /// The lease / session / ephemeral owner the key is bound to.
    pub session: Option<String>,
    /// The parsed value.
    pub data: MemberData,
}
