//! The status JSON of `GET /patroni` and the health GETs (spec 3.2), built from a
//! [`NodeView`] the way Patroni's `get_postgresql_status` builds it from SQL.

use super::NodeView;
use pg_ha_core::config::{HaConfig, SyncMode};
use pg_ha_core::member_report::{member_data, PATRONI_COMPAT_VERSION};
use pg_ha_core::postgres::{PgRole, PgStatus, ProcessState};
use pg_ha_core::time::Mono;
use serde_json::{json, Map, Value};

/// The status JSON at `now`.
pub(crate) fn status_json(view: &NodeView, now: Mono) -> Map<String, Value> {
    let cfg = HaConfig {
        node: view.node.clone(),
        dynamic: view.dynamic.clone(),
    };
    let member = member_data(&cfg, view.pg.as_ref(), view.cluster.as_ref());
    let state = view.state.unwrap_or(member.state);
    let mut out = Map::new();
    out.insert("state".into(), json!(state));
    out.insert("role".into(), json!(member.role));
    if let Some(pg) = view.pg.as_ref().filter(|pg| is_queryable(pg)) {
        add_sql_fields(&mut out, view, pg, now);
    }
    add_always_fields(&mut out, view, now);
    out
}

/// PostgreSQL answers queries: running with a known role.
fn is_queryable(pg: &PgStatus) -> bool {
    pg.process == ProcessState::Running && pg.role.is_some()
}

fn add_sql_fields(out: &mut Map<String, Value>, view: &NodeView, pg: &PgStatus, now: Mono) {
    if let Some(start) = &view.postmaster_start_time {
        out.insert("postmaster_start_time".into(), json!(start));
    }
    if let Some(version) = view.server_version {
        out.insert("server_version".into(), json!(version));
    }
    let primary = pg.role == Some(PgRole::Primary);
    out.insert("xlog".into(), xlog(view, pg, primary));
    if let Some(timeline) = pg.timeline {
        out.insert("timeline".into(), json!(timeline));
    }
    if !primary {
        let state = if pg.streaming {
            Some("streaming")
        } else if view.restore_command {
            Some("in archive recovery")
        } else {
            None
        };
        if let Some(state) = state {
            out.insert("replication_state".into(), json!(state));
        }
    }
    let rows = replication_rows(view, pg);
    if !rows.is_empty() {
        out.insert("replication".into(), Value::Array(rows));
    }
    if out.get("role").and_then(Value::as_str) == Some("replica") {
        if let Some(key) = sync_flag(view, now) {
            out.insert(key.into(), json!(true));
        }
    }
}

fn xlog(view: &NodeView, pg: &PgStatus, primary: bool) -> Value {
    if primary {
        return json!({"location": pg.write_lsn.map_or(0, |l| l.0)});
    }
    json!({
        "received_location": view.received_location(),
        "replayed_location": pg.replay_lsn.map_or(0, |l| l.0),
        "replayed_timestamp": view.replayed_timestamp,
        "paused": view.replay_paused,
    })
}

fn replication_rows(view: &NodeView, pg: &PgStatus) -> Vec<Value> {
    if let Some(rows) = &view.replication {
        return rows
            .iter()
            .filter_map(|r| serde_json::to_value(r).ok())
            .collect();
    }
    pg.replicas
        .iter()
        .map(|r| {
            json!({
                "usename": null,
                "application_name": r.application_name,
                "client_addr": null,
                "state": r.state,
                "sync_state": r.sync_state,
                "sync_priority": i64::from(r.sync_state != "async"),
            })
        })
        .collect()
}

/// `sync_standby` or `quorum_standby` when this replica is listed in a fresh `sync` key
/// and synchronous mode is on.
fn sync_flag(view: &NodeView, now: Mono) -> Option<&'static str> {
    let cluster = view.fresh_cluster(now)?;
    let sync = cluster.sync_state()?;
    if !sync.value.has_standby(&view.node.name) {
        return None;
    }
    match view.dynamic.synchronous_mode {
        SyncMode::Off => None,
        SyncMode::On => Some("sync_standby"),
        SyncMode::Quorum => Some("quorum_standby"),
    }
}

fn add_always_fields(out: &mut Map<String, Value>, view: &NodeView, now: Mono) {
    let fresh = view.fresh_cluster(now);
    if fresh.is_none_or(|c| c.leader.is_none()) {
        out.insert("cluster_unlocked".into(), json!(true));
    }
    if view.failsafe_active {
        out.insert("failsafe_mode_is_active".into(), json!(true));
    }
    if view.watchdog_failed {
        out.insert("watchdog_failed".into(), json!(true));
    }
    out.insert(
        "dcs_last_seen".into(),
        json!(view.dcs_last_seen.unwrap_or(0)),
    );
    if view.dynamic.pause {
        out.insert("pause".into(), json!(true));
    }
    if !view.node.tags.0.is_empty() {
        out.insert("tags".into(), json!(view.node.tags));
    }
    if let Some(sysid) = view.pg.as_ref().and_then(PgStatus::sysid) {
        out.insert("database_system_identifier".into(), json!(sysid));
    }
    if let Some(pg) = view.pg.as_ref().filter(|pg| pg.pending_restart) {
        out.insert("pending_restart".into(), json!(true));
        if !pg.pending_restart_reason.is_empty() {
            out.insert(
                "pending_restart_reason".into(),
                json!(pg.pending_restart_reason),
            );
        }
    }
    if let Some(scheduled) = &view.scheduled_restart {
        out.insert("scheduled_restart".into(), scheduled.clone());
    }
    out.insert(
        "patroni".into(),
        json!({
            "version": PATRONI_COMPAT_VERSION,
            "scope": view.node.scope,
            "name": view.node.name,
        }),
    );
}
