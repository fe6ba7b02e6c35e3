//! [`PgDetails`]: what `GET /patroni` shows of a running server beyond
//! [`pg_ha_core::PgStatus`] (server version, postmaster start time, replay timestamp and
//! pause, WAL receiver positions, the WAL senders with their users and addresses). The same
//! status query reads them; the agent loop copies them into the REST view.

use pg_ha_core::Lsn;
use serde::Deserialize;

/// SQL-only facts about the running server, from the last successful status query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgDetails {
    /// The postmaster these facts were read from.
    pub postmaster_pid: u32,
    /// `pg_is_in_recovery()` at the time of the query.
    pub in_recovery: bool,
    /// `server_version_num`, e.g. 150018.
    pub server_version: u32,
    /// `pg_postmaster_start_time()`, formatted as Patroni writes it
    /// (`2026-11-26 11:03:10.462860+00:00`).
    pub postmaster_start_time: String,
    /// `pg_last_xact_replay_timestamp()` (same format); `None` on a primary or before the
    /// first replayed transaction.
    pub replayed_timestamp: Option<String>,
    /// `pg_is_wal_replay_paused()` (false on a primary).
    pub replay_paused: bool,
    /// The WAL receiver's `written_lsn` while it runs (Patroni's `received_location`).
    pub written_lsn: Option<Lsn>,
    /// The WAL receiver's `latest_end_lsn` while it runs (the upstream's end of WAL as last
    /// reported; the health checks measure lag against it).
    pub latest_end_lsn: Option<Lsn>,
    /// `restore_command` is set: a standby that does not stream recovers from the archive.
    pub restore_command: bool,
    /// `pg_stat_replication`, ordered by application name.
    pub wal_senders: Vec<WalSender>,
}

/// One row of `pg_stat_replication`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WalSender {
    /// `usename`.
    pub usename: Option<String>,
    /// `application_name`.
    pub application_name: Option<String>,
    /// `client_addr` without the mask (`None` over a Unix socket).
    pub client_addr: Option<String>,
    /// `state`.
    pub state: Option<String>,
    /// `sync_state`.
    pub sync_state: Option<String>,
    /// `sync_priority`.
    pub sync_priority: Option<i64>,
    /// `flush_lsn` as text.
    #[serde(default)]
    pub flush_lsn: Option<String>,
}

/// A PostgreSQL timestamp given as microseconds since the Unix epoch and the session's UTC
/// offset in seconds, formatted as Python's `str(datetime)` writes it (what Patroni's JSON
/// shows): `2026-11-26 11:03:10.462860+00:00`, without the fraction when it is zero.
pub fn python_timestamp(epoch_micros: i64, utc_offset_secs: i32) -> Option<String> {
    let offset = chrono::FixedOffset::east_opt(utc_offset_secs)?;
    let utc = chrono::DateTime::from_timestamp_micros(epoch_micros)?;
    let local = utc.with_timezone(&offset);
    let mut text = local.format("%Y-%m-%d %H:%M:%S").to_string();
    let micros = epoch_micros.rem_euclid(1_000_000);
    if micros != 0 {
        text.push_str(&format!(".{micros:06}"));
    }
    let secs = utc_offset_secs.unsigned_abs();
    let sign = if utc_offset_secs < 0 { '-' } else { '+' };
    let (hours, minutes, seconds) = (secs / 3600, secs / 60 % 60, secs % 60);
    text.push_str(&format!("{sign}{hours:02}:{minutes:02}"));
    if seconds != 0 {
        text.push_str(&format!(":{seconds:02}"));
    }
    Some(text)
}

/// Parses the `json_agg` of `pg_stat_replication` rows (`None`: no rows).
pub(crate) fn parse_wal_senders(json: Option<&str>) -> Vec<WalSender> {
    let Some(text) = json else {
        return Vec::new();
    };
    match serde_json::from_str(text) {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!("cannot parse pg_stat_replication rows: {e}");
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_look_like_python_datetimes() {
        // 2026-11-26 11:03:10.462860 UTC, the sample's postmaster_start_time.
        let micros = 1_795_690_990_462_860;
        assert_eq!(
            python_timestamp(micros, 0).as_deref(),
            Some("2026-11-26 11:03:10.462860+00:00")
        );
        assert_eq!(
            python_timestamp(1_795_690_990_000_000, 0).as_deref(),
            Some("2026-11-26 11:03:10+00:00")
        );
        assert_eq!(
            python_timestamp(micros, 3600).as_deref(),
            Some("2026-11-26 12:03:10.462860+01:00")
        );
        assert_eq!(
            python_timestamp(micros, -(3 * 3600 + 1800)).as_deref(),
            Some("2026-11-26 07:33:10.462860-03:30")
        );
        assert_eq!(
            python_timestamp(50, 0).as_deref(),
            Some("1970-01-01 00:00:00.000050+00:00")
        );
        assert_eq!(
            python_timestamp(0, 3600 + 125).as_deref(),
            Some("1970-01-01 01:02:05+01:02:05")
        );
        assert_eq!(python_timestamp(0, 100_000), None);
    }

    #[test]
    fn wal_sender_rows() {
        let rows = parse_wal_senders(Some(
            r#"[{"usename":"replicator","application_name":"node1","client_addr":"127.0.0.1",
                 "state":"streaming","sync_state":"async","sync_priority":0,"flush_lsn":"0/4000060"},
                {"usename":"postgres","application_name":"pg_basebackup","client_addr":null,
                 "state":"backup","sync_state":"async","sync_priority":0,"flush_lsn":null}]"#,
        ));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].usename.as_deref(), Some("replicator"));
        assert_eq!(rows[0].client_addr.as_deref(), Some("127.0.0.1"));
        assert_eq!(rows[0].sync_priority, Some(0));
        assert_eq!(rows[1].client_addr, None);
        assert!(parse_wal_senders(None).is_empty());
        assert!(parse_wal_senders(Some("not json")).is_empty());
    }
}
