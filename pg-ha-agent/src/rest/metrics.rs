//! `GET /metrics` (spec 3.3): Patroni's Prometheus metrics, named, described and ordered as
//! Patroni 4.1.5 writes them, computed from the status JSON.

use pg_ha_core::member_report::PATRONI_COMPAT_VERSION;
use pg_ha_core::model::MemberState;
use serde_json::{Map, Value};
use std::fmt::Write;

const STATE_VALUES: &str = "# Values: 0=initdb, 1=initdb_failed, 2=custom_bootstrap, \
3=custom_bootstrap_failed, 4=creating_replica, 5=running, 6=starting, 7=bootstrap_starting, \
8=start_failed, 9=restarting, 10=restart_failed, 11=stopping, 12=stopped, 13=stop_failed, \
14=crashed";

/// One sample: name, help text, type, value.
struct Metric {
    name: &'static str,
    help: &'static str,
    kind: &'static str,
    value: String,
}

/// The metrics text for a node named `name` of cluster `scope` with this status JSON.
pub(crate) fn metrics_text(status: &Map<String, Value>, scope: &str, name: &str) -> String {
    let labels = format!("{{scope=\"{}\",name=\"{}\"}}", escape(scope), escape(name));
    let mut out = String::new();
    for m in metrics(status) {
        let _ = writeln!(out, "# HELP {} {}", m.name, m.help);
        if m.name == "patroni_postgres_state" {
            let _ = writeln!(out, "{STATE_VALUES}");
        }
        let _ = writeln!(out, "# TYPE {} {}", m.name, m.kind);
        let _ = writeln!(out, "{}{labels} {}", m.name, m.value);
    }
    out
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn metrics(status: &Map<String, Value>) -> Vec<Metric> {
    let role = status.get("role").and_then(Value::as_str).unwrap_or("");
    let xlog = |key: &str| {
        status
            .get("xlog")
            .and_then(|x| x.get(key))
            .and_then(Value::as_u64)
            .unwrap_or(0)
            .to_string()
    };
    let truth = |key: &str| flag(status.get(key));
    let replication_state = status.get("replication_state").and_then(Value::as_str);
    let mut list = vec![
        gauge("patroni_version", "Patroni semver without periods.", padded_version()),
        gauge(
            "patroni_postgres_running",
            "Value is 1 if Postgres is running, 0 otherwise.",
            bit(status.get("state").and_then(Value::as_str) == Some("running")),
        ),
        gauge(
            "patroni_postmaster_start_time",
            "Epoch seconds since Postgres started.",
            epoch_seconds(status.get("postmaster_start_time")),
        ),
        gauge(
            "patroni_primary",
            "Value is 1 if this node is the leader, 0 otherwise.",
            bit(role == "primary"),
        ),
        counter(
            "patroni_xlog_location",
            "Current location of the Postgres transaction log, 0 if this node is not the leader.",
            xlog("location"),
        ),
        gauge(
            "patroni_standby_leader",
            "Value is 1 if this node is the standby_leader, 0 otherwise.",
            bit(role == "standby_leader"),
        ),
        gauge(
            "patroni_replica",
            "Value is 1 if this node is a replica, 0 otherwise.",
            bit(role == "replica"),
        ),
        gauge(
            "patroni_sync_standby",
            "Value is 1 if this node is a sync standby, 0 otherwise.",
            truth("sync_standby"),
        ),
        gauge(
            "patroni_quorum_standby",
            "Value is 1 if this node is a quorum standby, 0 otherwise.",
            truth("quorum_standby"),
        ),
        counter(
            "patroni_xlog_received_location",
            "Current location of the received Postgres transaction log, 0 if this node is not a replica.",
            xlog("received_location"),
        ),
        counter(
            "patroni_xlog_replayed_location",
            "Current location of the replayed Postgres transaction log, 0 if this node is not a replica.",
            xlog("replayed_location"),
        ),
        gauge(
            "patroni_xlog_replayed_timestamp",
            "Current timestamp of the replayed Postgres transaction log, 0 if null.",
            epoch_seconds(status.get("xlog").and_then(|x| x.get("replayed_timestamp"))),
        ),
        gauge(
            "patroni_xlog_paused",
            "Value is 1 if the Postgres xlog is paused, 0 otherwise.",
            flag(status.get("xlog").and_then(|x| x.get("paused"))),
        ),
    ];
    let server_version = status
        .get("server_version")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    if server_version >= 90_600 {
        list.push(gauge(
            "patroni_postgres_streaming",
            "Value is 1 if Postgres is streaming, 0 otherwise.",
            bit(replication_state == Some("streaming")),
        ));
        list.push(gauge(
            "patroni_postgres_in_archive_recovery",
            "Value is 1 if Postgres is replicating from archive, 0 otherwise.",
            bit(replication_state == Some("in archive recovery")),
        ));
    }
    list.extend(tail_metrics(status, server_version));
    list
}

fn tail_metrics(status: &Map<String, Value>, server_version: u64) -> Vec<Metric> {
    let truth = |key: &str| flag(status.get(key));
    let number = |key: &str| {
        status
            .get(key)
            .and_then(Value::as_i64)
            .unwrap_or(0)
            .to_string()
    };
    let state_index = status
        .get("state")
        .and_then(|s| serde_json::from_value::<MemberState>(s.clone()).ok())
        .map_or(0, MemberState::metric_index);
    vec![
        gauge(
            "patroni_postgres_server_version",
            "Version of Postgres (if running), 0 otherwise.",
            server_version.to_string(),
        ),
        gauge(
            "patroni_cluster_unlocked",
            "Value is 1 if the cluster is unlocked, 0 if locked.",
            truth("cluster_unlocked"),
        ),
        gauge(
            "patroni_failsafe_mode_is_active",
            "Value is 1 if failsafe mode is active, 0 if inactive.",
            truth("failsafe_mode_is_active"),
        ),
        gauge(
            "patroni_postgres_timeline",
            "Postgres timeline of this node (if running), 0 otherwise.",
            number("timeline"),
        ),
        gauge(
            "patroni_dcs_last_seen",
            "Epoch timestamp when DCS was last contacted successfully by Patroni.",
            number("dcs_last_seen"),
        ),
        gauge(
            "patroni_pending_restart",
            "Value is 1 if the node needs a restart, 0 otherwise.",
            truth("pending_restart"),
        ),
        gauge(
            "patroni_is_paused",
            "Value is 1 if auto failover is disabled, 0 otherwise.",
            truth("pause"),
        ),
        gauge(
            "patroni_postgres_state",
            "Numeric representation of Postgres state.",
            state_index.to_string(),
        ),
    ]
}

fn gauge(name: &'static str, help: &'static str, value: String) -> Metric {
    Metric {
        name,
        help,
        kind: "gauge",
        value,
    }
}

fn counter(name: &'static str, help: &'static str, value: String) -> Metric {
    Metric {
        kind: "counter",
        ..gauge(name, help, value)
    }
}

fn bit(on: bool) -> String {
    u8::from(on).to_string()
}

fn flag(value: Option<&Value>) -> String {
    bit(value.and_then(Value::as_bool).unwrap_or(false))
}

/// `4.1.5` -> `040105`.
fn padded_version() -> String {
    PATRONI_COMPAT_VERSION
        .split('.')
        .map(|part| format!("{part:0>2}"))
        .collect()
}

/// A PostgreSQL timestamp (`2026-11-26 11:03:10.462860+00:00`) as epoch seconds, Python's
/// float repr; `0` when absent or unparsable.
fn epoch_seconds(value: Option<&Value>) -> String {
    let Some(text) = value.and_then(Value::as_str) else {
        return "0".into();
    };
    let parsed = chrono::DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z")
        .or_else(|_| chrono::DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%#z"))
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(text));
    match parsed {
        Ok(t) => {
            // Python's `timedelta.total_seconds()`: whole microseconds divided once (exact
            // below 2^53 us), so the last digit matches Patroni's.
            let micros = t.timestamp() * 1_000_000 + i64::from(t.timestamp_subsec_micros());
            let secs = micros as f64 / 1e6;
            if secs.fract() == 0.0 {
                format!("{secs:.1}")
            } else {
                format!("{secs}")
            }
        }
        Err(_) => "0".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn version_and_timestamps() {
        assert_eq!(padded_version().len(), 6);
        assert_eq!(
            epoch_seconds(Some(&json!("2026-11-26 11:03:10.462860+00:00"))),
            "1795690990.46286"
        );
        assert_eq!(
            epoch_seconds(Some(&json!("2026-11-26 11:03:10+00"))),
            "1795690990.0"
        );
        assert_eq!(
            epoch_seconds(Some(&json!("2026-11-26 11:03:14.636175+00:00"))),
            "1795690994.636175"
        );
        assert_eq!(
            epoch_seconds(Some(&json!("2026-11-26 12:03:10.000001+01:00"))),
            "1795690990.000001"
        );
        assert_eq!(epoch_seconds(None), "0");
    }
}
