//! `GET /metrics` (spec 3.3): Patroni's Prometheus metrics, named, described and ordered as
//! Patroni 4.1.5 writes them, computed from the node's typed status.

use super::node_status::{NodeStatus, ReplicationState, SyncDuty, Xlog};
use pg_ha_core::member_report::PATRONI_COMPAT_VERSION;
use pg_ha_core::model::Role;
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

/// The metrics text for the node of `status`.
pub(crate) fn metrics_text(status: &NodeStatus<'_>) -> String {
    let node = &status.view.node;
    let labels = format!(
        "{{scope=\"{}\",name=\"{}\"}}",
        escape(&node.scope),
        escape(&node.name)
    );
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

/// The WAL positions as the metrics show them: (location, received, replayed, replayed
/// timestamp, paused), zero where they do not apply.
fn positions<'s>(status: &'s NodeStatus<'_>) -> (u64, u64, u64, Option<&'s str>, bool) {
    match status.sql.as_ref().map(|s| &s.xlog) {
        Some(Xlog::Primary { location }) => (*location, 0, 0, None, false),
        Some(Xlog::Replica {
            received,
            replayed,
            replayed_timestamp,
            paused,
        }) => (
            0,
            *received,
            *replayed,
            replayed_timestamp.as_deref(),
            *paused,
        ),
        None => (0, 0, 0, None, false),
    }
}

fn metrics(status: &NodeStatus<'_>) -> Vec<Metric> {
    let role = status.role;
    let (location, received, replayed, replayed_at, paused) = positions(status);
    let start_time = status
        .sql
        .as_ref()
        .and(status.view.postmaster_start_time.as_deref());
    let mut list = vec![
        gauge("patroni_version", "Patroni semver without periods.", padded_version()),
        gauge(
            "patroni_postgres_running",
            "Value is 1 if Postgres is running, 0 otherwise.",
            bit(status.running()),
        ),
        gauge(
            "patroni_postmaster_start_time",
            "Epoch seconds since Postgres started.",
            epoch_seconds(start_time),
        ),
        gauge(
            "patroni_primary",
            "Value is 1 if this node is the leader, 0 otherwise.",
            bit(role == Role::Primary),
        ),
        counter(
            "patroni_xlog_location",
            "Current location of the Postgres transaction log, 0 if this node is not the leader.",
            location.to_string(),
        ),
        gauge(
            "patroni_standby_leader",
            "Value is 1 if this node is the standby_leader, 0 otherwise.",
            bit(role == Role::StandbyLeader),
        ),
        gauge(
            "patroni_replica",
            "Value is 1 if this node is a replica, 0 otherwise.",
            bit(role == Role::Replica),
        ),
        gauge(
            "patroni_sync_standby",
            "Value is 1 if this node is a sync standby, 0 otherwise.",
            bit(status.sync_duty() == Some(SyncDuty::Sync)),
        ),
        gauge(
            "patroni_quorum_standby",
            "Value is 1 if this node is a quorum standby, 0 otherwise.",
            bit(status.sync_duty() == Some(SyncDuty::Quorum)),
        ),
        counter(
            "patroni_xlog_received_location",
            "Current location of the received Postgres transaction log, 0 if this node is not a replica.",
            received.to_string(),
        ),
        counter(
            "patroni_xlog_replayed_location",
            "Current location of the replayed Postgres transaction log, 0 if this node is not a replica.",
            replayed.to_string(),
        ),
        gauge(
            "patroni_xlog_replayed_timestamp",
            "Current timestamp of the replayed Postgres transaction log, 0 if null.",
            epoch_seconds(replayed_at),
        ),
        gauge(
            "patroni_xlog_paused",
            "Value is 1 if the Postgres xlog is paused, 0 otherwise.",
            bit(paused),
        ),
    ];
    let server_version = status.server_version().unwrap_or(0);
    if server_version >= 90_600 {
        let replication = status.replication_state();
        list.push(gauge(
            "patroni_postgres_streaming",
            "Value is 1 if Postgres is streaming, 0 otherwise.",
            bit(replication == Some(ReplicationState::Streaming)),
        ));
        list.push(gauge(
            "patroni_postgres_in_archive_recovery",
            "Value is 1 if Postgres is replicating from archive, 0 otherwise.",
            bit(replication == Some(ReplicationState::InArchiveRecovery)),
        ));
    }
    list.extend(tail_metrics(status, server_version));
    list
}

fn tail_metrics(status: &NodeStatus<'_>, server_version: u32) -> Vec<Metric> {
    let view = status.view;
    let timeline = status.sql.as_ref().and_then(|s| s.timeline).unwrap_or(0);
    let pending = view.pg.as_ref().is_some_and(|pg| pg.pending_restart);
    vec![
        gauge(
            "patroni_postgres_server_version",
            "Version of Postgres (if running), 0 otherwise.",
            server_version.to_string(),
        ),
        gauge(
            "patroni_cluster_unlocked",
            "Value is 1 if the cluster is unlocked, 0 if locked.",
            bit(status.cluster_unlocked),
        ),
        gauge(
            "patroni_failsafe_mode_is_active",
            "Value is 1 if failsafe mode is active, 0 if inactive.",
            bit(view.failsafe_active),
        ),
        gauge(
            "patroni_postgres_timeline",
            "Postgres timeline of this node (if running), 0 otherwise.",
            timeline.to_string(),
        ),
        gauge(
            "patroni_dcs_last_seen",
            "Epoch timestamp when DCS was last contacted successfully by Patroni.",
            view.dcs_last_seen.unwrap_or(0).to_string(),
        ),
        gauge(
            "patroni_pending_restart",
            "Value is 1 if the node needs a restart, 0 otherwise.",
            bit(pending),
        ),
        gauge(
            "patroni_is_paused",
            "Value is 1 if auto failover is disabled, 0 otherwise.",
            bit(view.dynamic.pause),
        ),
        gauge(
            "patroni_postgres_state",
            "Numeric representation of Postgres state.",
            status.state.metric_index().to_string(),
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

/// `4.1.5` -> `040105`.
fn padded_version() -> String {
    PATRONI_COMPAT_VERSION
        .split('.')
        .map(|part| format!("{part:0>2}"))
        .collect()
}

/// A PostgreSQL timestamp (`2026-11-26 11:03:10.462860+00:00`) as epoch seconds, Python's
/// float repr; `0` when absent or unparsable.
fn epoch_seconds(value: Option<&str>) -> String {
    let Some(text) = value else {
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

    #[test]
    fn version_and_timestamps() {
        assert_eq!(padded_version().len(), 6);
        assert_eq!(
            epoch_seconds(Some("2026-11-26 11:03:10.462860+00:00")),
            "1795690990.46286"
        );
        assert_eq!(
            epoch_seconds(Some("2026-11-26 11:03:10+00")),
            "1795690990.0"
        );
        assert_eq!(
            epoch_seconds(Some("2026-11-26 11:03:14.636175+00:00")),
            "1795690994.636175"
        );
        assert_eq!(
            epoch_seconds(Some("2026-11-26 12:03:10.000001+01:00")),
            "1795690990.000001"
        );
        assert_eq!(epoch_seconds(None), "0");
    }
}
