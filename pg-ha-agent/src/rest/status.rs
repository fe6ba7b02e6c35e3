//! The status JSON of `GET /patroni` and the health GETs (spec 3.2): a [`NodeStatus`]
//! rendered the way Patroni's `get_postgresql_status` writes it.

use super::node_status::{NodeStatus, SqlStatus, SyncDuty, Xlog};
use super::NodeView;
use pg_ha_core::member_report::PATRONI_COMPAT_VERSION;
use pg_ha_core::postgres::PgStatus;
use pg_ha_core::time::Mono;
use serde_json::{json, Map, Value};

/// The status JSON of the node `view` shows, at `now`.
pub(crate) fn status_json(view: &NodeView, now: Mono) -> Map<String, Value> {
    render(&NodeStatus::of(view, now))
}

/// `status` as JSON.
pub(crate) fn render(status: &NodeStatus<'_>) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("state".into(), json!(status.state));
    out.insert("role".into(), json!(status.role));
    if let Some(sql) = &status.sql {
        add_sql_fields(&mut out, status.view, sql);
    }
    add_always_fields(&mut out, status);
    out
}

fn add_sql_fields(out: &mut Map<String, Value>, view: &NodeView, sql: &SqlStatus) {
    if let Some(start) = &view.postmaster_start_time {
        out.insert("postmaster_start_time".into(), json!(start));
    }
    if let Some(version) = view.server_version {
        out.insert("server_version".into(), json!(version));
    }
    out.insert("xlog".into(), xlog(&sql.xlog));
    if let Some(timeline) = sql.timeline {
        out.insert("timeline".into(), json!(timeline));
    }
    if let Some(state) = sql.replication_state {
        out.insert("replication_state".into(), json!(state.as_str()));
    }
    let rows = replication_rows(view);
    if !rows.is_empty() {
        out.insert("replication".into(), Value::Array(rows));
    }
    match sql.sync_duty {
        Some(SyncDuty::Sync) => out.insert("sync_standby".into(), json!(true)),
        Some(SyncDuty::Quorum) => out.insert("quorum_standby".into(), json!(true)),
        None => None,
    };
}

fn xlog(xlog: &Xlog) -> Value {
    match xlog {
        Xlog::Primary { location } => json!({ "location": location }),
        Xlog::Replica {
            received,
            replayed,
            replayed_timestamp,
            paused,
        } => json!({
            "received_location": received,
            "replayed_location": replayed,
            "replayed_timestamp": replayed_timestamp,
            "paused": paused,
        }),
    }
}

fn replication_rows(view: &NodeView) -> Vec<Value> {
    if let Some(rows) = &view.replication {
        return rows
            .iter()
            .filter_map(|r| serde_json::to_value(r).ok())
            .collect();
    }
    let Some(pg) = &view.pg else {
        return Vec::new();
    };
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

fn add_always_fields(out: &mut Map<String, Value>, status: &NodeStatus<'_>) {
    let view = status.view;
    if status.cluster_unlocked {
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
