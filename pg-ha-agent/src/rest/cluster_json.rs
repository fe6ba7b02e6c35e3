//! `GET /cluster` (spec 3.3): every member with its role, state, addresses and lag, as
//! Patroni's `cluster_as_json` writes it.

use super::schedule::isoformat;
use pg_ha_core::config::{DynamicConfig, SyncMode};
use pg_ha_core::lsn::Lsn;
use pg_ha_core::model::{url_host_port, Cluster, Member};
use serde_json::{json, Map, Value};

/// The `/cluster` body for `cluster`, under the dynamic config `dynamic` (the cluster's own
/// config when it has one).
pub(crate) fn cluster_json(cluster: &Cluster, dynamic: &DynamicConfig, scope: &str) -> Value {
    let dynamic = cluster.config.as_ref().map_or(dynamic, |c| &c.parsed);
    let cluster_lsn = cluster.status.optime.unwrap_or(0);
    let mut members: Vec<Value> = cluster
        .members
        .iter()
        .map(|m| member_json(cluster, dynamic, m, cluster_lsn))
        .collect();
    members.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    let mut out = Map::new();
    out.insert("members".into(), Value::Array(members));
    out.insert("scope".into(), json!(scope));
    if dynamic.pause {
        out.insert("pause".into(), json!(true));
    }
    if let Some(switchover) = scheduled_switchover(cluster) {
        out.insert("scheduled_switchover".into(), switchover);
    }
    Value::Object(out)
}

fn role(cluster: &Cluster, dynamic: &DynamicConfig, name: &str) -> &'static str {
    if cluster.is_leader(name) {
        return if dynamic.is_standby_cluster() {
            "standby_leader"
        } else {
            "leader"
        };
    }
    let listed = cluster
        .sync_state()
        .is_some_and(|s| s.value.has_standby(name));
    match dynamic.synchronous_mode {
        SyncMode::On if listed => "sync_standby",
        SyncMode::Quorum if listed => "quorum_standby",
        _ => "replica",
    }
}

fn member_json(cluster: &Cluster, dynamic: &DynamicConfig, m: &Member, cluster_lsn: u64) -> Value {
    let role = role(cluster, dynamic, &m.name);
    let data = &m.data;
    let state = data
        .replication_state
        .clone()
        .filter(|s| role != "leader" && !s.is_empty())
        .map_or_else(|| json!(data.state), Value::from);
    let mut out = Map::new();
    out.insert("name".into(), json!(m.name));
    out.insert("role".into(), json!(role));
    out.insert("state".into(), state);
    out.insert("api_url".into(), json!(data.api_url));
    if let Some((host, port)) = data.conn_url.as_deref().and_then(url_host_port) {
        out.insert("host".into(), json!(host));
        if let Some(port) = port {
            out.insert("port".into(), json!(port));
        }
    }
    optional_fields(&mut out, m);
    if !cluster.is_leader(&m.name) {
        let lsns = [
            ("lsn", "lag", data.xlog_location),
            ("receive_lsn", "receive_lag", data.receive_lsn),
            ("replay_lsn", "replay_lag", data.replay_lsn),
        ];
        for (lsn_key, lag_key, lsn) in lsns {
            let (lsn, lag) = match lsn {
                Some(lsn) => (
                    json!(Lsn(lsn).to_string()),
                    json!(cluster_lsn.saturating_sub(lsn)),
                ),
                None => (json!("unknown"), json!("unknown")),
            };
            out.insert(lsn_key.into(), lsn);
            out.insert(lag_key.into(), lag);
        }
    }
    Value::Object(out)
}

fn optional_fields(out: &mut Map<String, Value>, m: &Member) {
    let data = &m.data;
    if let Some(timeline) = data.timeline {
        out.insert("timeline".into(), json!(timeline));
    }
    if let Some(pending) = data.pending_restart {
        out.insert("pending_restart".into(), json!(pending));
    }
    if let Some(reason) = &data.pending_restart_reason {
        out.insert("pending_restart_reason".into(), reason.clone());
    }
    if let Some(scheduled) = &data.scheduled_restart {
        out.insert("scheduled_restart".into(), scheduled.clone());
    }
    if !data.tags.0.is_empty() {
        out.insert("tags".into(), json!(data.tags));
    }
}

/// `{at, from?, to?}` when the failover key holds a scheduled request.
fn scheduled_switchover(cluster: &Cluster) -> Option<Value> {
    let failover = &cluster.failover_request()?.value;
    let at = failover.scheduled_at.as_deref()?;
    let at = chrono::DateTime::parse_from_rfc3339(at)
        .or_else(|_| chrono::DateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S%.f%:z"))
        .map_or_else(|_| at.to_string(), |t| isoformat(&t));
    let mut out = Map::new();
    out.insert("at".into(), json!(at));
    if let Some(leader) = &failover.leader {
        out.insert("from".into(), json!(leader));
    }
    if let Some(member) = &failover.member {
        out.insert("to".into(), json!(member));
    }
    Some(Value::Object(out))
}
