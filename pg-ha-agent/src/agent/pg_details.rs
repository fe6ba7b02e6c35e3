//! Copies the SQL-only facts of the local PostgreSQL ([`PgDetails`]) into the REST view:
//! what `GET /patroni` shows beyond the runner's `PgStatus`.

use crate::postgres::{PgDetails, WalSender};
use crate::rest::{NodeView, ReplicationRow};
use pg_ha_core::postgres::ProcessState;

/// Fills `view`'s SQL-only fields from `details` while the view's `pg` shows a running
/// server. The details may come from a later status call of the same step (the runner asks
/// again after acting, e.g. after a promote): the role-specific parts then only show from
/// the next cycle on, since the JSON takes the role from `pg`. `last_version` is the
/// previous view's server version: it stays known while PostgreSQL is down (the
/// `postgres_version` filter of a restart).
pub(crate) fn add_pg_details(
    view: &mut NodeView,
    details: Option<&PgDetails>,
    last_version: Option<u32>,
) {
    view.server_version = last_version;
    let running = view
        .pg
        .as_ref()
        .is_some_and(|pg| pg.process == ProcessState::Running);
    let Some(details) = details.filter(|_| running) else {
        return;
    };
    view.server_version = Some(details.server_version);
    view.postmaster_start_time = Some(details.postmaster_start_time.clone());
    view.replayed_timestamp = details.replayed_timestamp.clone();
    view.replay_paused = details.replay_paused;
    view.wal_written = details.written_lsn;
    view.latest_end_lsn = details.latest_end_lsn;
    view.restore_command = details.restore_command;
    view.replication = Some(details.wal_senders.iter().map(row).collect());
}

fn row(sender: &WalSender) -> ReplicationRow {
    ReplicationRow {
        usename: sender.usename.clone(),
        application_name: sender.application_name.clone().unwrap_or_default(),
        client_addr: sender.client_addr.clone(),
        state: sender.state.clone().unwrap_or_default(),
        sync_state: sender.sync_state.clone().unwrap_or_default(),
        sync_priority: sender.sync_priority.unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::status_json_for_tests as status_json;
    use pg_ha_core::postgres::{DataDirState, PgRole, PgStatus};
    use pg_ha_core::time::Mono;
    use pg_ha_core::Lsn;
    use serde_json::json;

    fn running(role: PgRole) -> PgStatus {
        let mut pg = PgStatus::empty();
        pg.process = ProcessState::Running;
        pg.role = Some(role);
        pg.data_dir = DataDirState::Initialized {
            sysid: "7712434073260532225".into(),
            clean_shutdown: false,
            standby_signal: role == PgRole::Standby,
        };
        pg.timeline = Some(1);
        pg
    }

    fn sender(name: &str, sync_state: &str, priority: i64) -> WalSender {
        WalSender {
            usename: Some("replicator".into()),
            application_name: Some(name.into()),
            client_addr: Some("127.0.0.1".into()),
            state: Some("streaming".into()),
            sync_state: Some(sync_state.into()),
            sync_priority: Some(priority),
            flush_lsn: Some("0/4000060".into()),
        }
    }

    fn details(in_recovery: bool) -> PgDetails {
        PgDetails {
            postmaster_pid: 4242,
            in_recovery,
            server_version: 150_018,
            postmaster_start_time: "2026-11-26 11:03:10.462860+00:00".into(),
            replayed_timestamp: in_recovery.then(|| "2026-11-26 11:03:14.636175+00:00".into()),
            replay_paused: false,
            written_lsn: in_recovery.then_some(Lsn(67_108_960)),
            latest_end_lsn: in_recovery.then_some(Lsn(67_108_960)),
            restore_command: false,
            wal_senders: if in_recovery {
                Vec::new()
            } else {
                vec![sender("node1", "sync", 1), sender("node2", "async", 0)]
            },
        }
    }

    fn view_of(pg: PgStatus) -> NodeView {
        let mut view = NodeView {
            pg: Some(pg),
            ..NodeView::default()
        };
        view.node.name = "node3".into();
        view.node.scope = "demo".into();
        view
    }

    #[test]
    fn a_primary_shows_version_start_time_and_wal_senders() {
        let mut pg = running(PgRole::Primary);
        pg.write_lsn = Some(Lsn(67_108_960));
        let mut view = view_of(pg);
        add_pg_details(&mut view, Some(&details(false)), None);
        let status = status_json(&view, Mono::ZERO);
        assert_eq!(status["server_version"], json!(150_018));
        assert_eq!(
            status["postmaster_start_time"],
            json!("2026-11-26 11:03:10.462860+00:00")
        );
        assert_eq!(status["xlog"], json!({"location": 67_108_960}));
        assert_eq!(
            status["replication"],
            json!([
                {"usename": "replicator", "application_name": "node1", "client_addr": "127.0.0.1",
                 "state": "streaming", "sync_state": "sync", "sync_priority": 1},
                {"usename": "replicator", "application_name": "node2", "client_addr": "127.0.0.1",
                 "state": "streaming", "sync_state": "async", "sync_priority": 0}
            ])
        );
        assert!(status.get("replication_state").is_none());
    }

    #[test]
    fn a_replica_shows_replay_timestamp_pause_and_receiver_positions() {
        let mut pg = running(PgRole::Standby);
        pg.receive_lsn = Some(Lsn(67_108_864));
        pg.replay_lsn = Some(Lsn(67_108_864));
        pg.streaming = true;
        let mut view = view_of(pg);
        let mut d = details(true);
        d.replay_paused = true;
        add_pg_details(&mut view, Some(&d), None);
        let status = status_json(&view, Mono::ZERO);
        assert_eq!(
            status["xlog"],
            json!({
                "received_location": 67_108_960,
                "replayed_location": 67_108_864,
                "replayed_timestamp": "2026-11-26 11:03:14.636175+00:00",
                "paused": true
            })
        );
        assert_eq!(status["replication_state"], json!("streaming"));
        assert!(status.get("replication").is_none());
        assert_eq!(view.latest_end_lsn, Some(Lsn(67_108_960)));
    }

    #[test]
    fn a_replica_that_does_not_stream_is_in_archive_recovery_only_with_a_restore_command() {
        let mut view = view_of(running(PgRole::Standby));
        let mut d = details(true);
        d.written_lsn = None;
        d.latest_end_lsn = None;
        add_pg_details(&mut view, Some(&d), None);
        assert!(status_json(&view, Mono::ZERO)
            .get("replication_state")
            .is_none());
        d.restore_command = true;
        add_pg_details(&mut view, Some(&d), None);
        assert_eq!(
            status_json(&view, Mono::ZERO)["replication_state"],
            json!("in archive recovery")
        );
    }

    #[test]
    fn a_stopped_server_shows_no_details_but_keeps_its_version() {
        // Just promoted: the status of the cycle says replica, the details were read after
        // the promote. The version and start time show; the xlog follows the status.
        let mut standby = running(PgRole::Standby);
        standby.replay_lsn = Some(Lsn(67_108_864));
        let mut view = view_of(standby);
        add_pg_details(&mut view, Some(&details(false)), Some(150_017));
        let status = status_json(&view, Mono::ZERO);
        assert_eq!(status["server_version"], json!(150_018));
        assert_eq!(status["xlog"]["replayed_timestamp"], json!(null));

        let mut stopped = running(PgRole::Primary);
        stopped.process = ProcessState::Stopped;
        stopped.role = None;
        let mut view = view_of(stopped);
        add_pg_details(&mut view, Some(&details(false)), Some(150_018));
        assert_eq!(view.postmaster_start_time, None);
        assert_eq!(view.replication, None);
        // Kept for the restart filter, but not shown: PostgreSQL is down.
        assert_eq!(view.server_version, Some(150_018));
        let status = status_json(&view, Mono::ZERO);
        assert!(status.get("server_version").is_none());
        assert!(status.get("postmaster_start_time").is_none());
    }
}
