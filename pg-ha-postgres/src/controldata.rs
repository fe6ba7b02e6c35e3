//! `pg_controldata`: what the control file says about a data directory, readable while the
//! server is down.

use super::command::Tool;
use super::privileges::RunAs;
use pg_ha_core::{Lsn, PgError};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// `Database cluster state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterState {
    /// `shut down`: a clean shutdown of a primary.
    ShutDown,
    /// `shut down in recovery`: a clean shutdown of a standby.
    ShutDownInRecovery,
    /// `shutting down`.
    ShuttingDown,
    /// `in crash recovery`.
    InCrashRecovery,
    /// `in archive recovery`: a running (or crashed) standby.
    InArchiveRecovery,
    /// `in production`: a running (or crashed) primary.
    InProduction,
    /// Anything else.
    Other(String),
}

impl ClusterState {
    fn parse(text: &str) -> ClusterState {
        match text {
            "shut down" => ClusterState::ShutDown,
            "shut down in recovery" => ClusterState::ShutDownInRecovery,
            "shutting down" => ClusterState::ShuttingDown,
            "in crash recovery" => ClusterState::InCrashRecovery,
            "in archive recovery" => ClusterState::InArchiveRecovery,
            "in production" => ClusterState::InProduction,
            other => ClusterState::Other(other.to_string()),
        }
    }

    /// True after a clean shutdown (primary or standby).
    pub fn is_clean(&self) -> bool {
        matches!(
            self,
            ClusterState::ShutDown | ClusterState::ShutDownInRecovery
        )
    }
}

/// The fields of `pg_controldata` the agent uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlData {
    /// `Database system identifier`.
    pub sysid: String,
    /// `Database cluster state`.
    pub state: ClusterState,
    /// `Latest checkpoint location`.
    pub checkpoint_lsn: Option<Lsn>,
    /// `Latest checkpoint's REDO location`.
    pub redo_lsn: Option<Lsn>,
    /// `Latest checkpoint's TimeLineID`.
    pub timeline: Option<u32>,
    /// `Minimum recovery ending location`.
    pub min_recovery_lsn: Option<Lsn>,
    /// `Min recovery ending loc's timeline`.
    pub min_recovery_timeline: Option<u32>,
    /// `wal_log_hints setting` is on.
    pub wal_log_hints: bool,
    /// `Data page checksum version` is not 0.
    pub checksums: bool,
    /// The primary's settings a hot standby may not go below (`max_connections setting`,
    /// ...), by GUC name.
    pub standby_minimums: BTreeMap<String, u64>,
}

/// The `pg_controldata` fields holding the settings a hot standby must match or exceed.
const STANDBY_MINIMUMS: [(&str, &str); 5] = [
    ("max_connections setting", "max_connections"),
    ("max_worker_processes setting", "max_worker_processes"),
    ("max_wal_senders setting", "max_wal_senders"),
    ("max_prepared_xacts setting", "max_prepared_transactions"),
    ("max_locks_per_xact setting", "max_locks_per_transaction"),
];

impl ControlData {
    /// Parses `pg_controldata` output (C locale).
    pub fn parse(text: &str) -> Result<ControlData, String> {
        let fields: BTreeMap<&str, &str> = text
            .lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim(), v.trim()))
            .collect();
        let get = |k: &str| fields.get(k).copied();
        let sysid = get("Database system identifier")
            .ok_or("no `Database system identifier` in pg_controldata output")?;
        let state = get("Database cluster state")
            .ok_or("no `Database cluster state` in pg_controldata output")?;
        Ok(ControlData {
            sysid: sysid.to_string(),
            state: ClusterState::parse(state),
            checkpoint_lsn: get("Latest checkpoint location").and_then(Lsn::parse_pg),
            redo_lsn: get("Latest checkpoint's REDO location").and_then(Lsn::parse_pg),
            timeline: get("Latest checkpoint's TimeLineID").and_then(|v| v.parse().ok()),
            min_recovery_lsn: get("Minimum recovery ending location").and_then(Lsn::parse_pg),
            min_recovery_timeline: get("Min recovery ending loc's timeline")
                .and_then(|v| v.parse().ok()),
            wal_log_hints: get("wal_log_hints setting") == Some("on"),
            checksums: get("Data page checksum version").is_some_and(|v| v != "0"),
            standby_minimums: STANDBY_MINIMUMS
                .iter()
                .filter_map(|(field, guc)| {
                    let value = get(field)?.parse().ok()?;
                    Some((guc.to_string(), value))
                })
                .collect(),
        })
    }

    /// The WAL position known from the control file: the later of the last checkpoint and
    /// the minimum recovery point.
    pub fn wal_position(&self) -> Option<Lsn> {
        let min = self.min_recovery_lsn.filter(|l| l.0 != 0);
        self.checkpoint_lsn.max(min)
    }

    /// The timeline known from the control file (the minimum recovery point's if later).
    pub fn effective_timeline(&self) -> Option<u32> {
        let min = self.min_recovery_timeline.filter(|t| *t != 0);
        self.timeline.max(min)
    }
}

/// Runs `pg_controldata` on `data_dir`.
pub async fn read(
    pg_controldata: &Path,
    data_dir: &Path,
    run_as: &RunAs,
) -> Result<ControlData, PgError> {
    let out = Tool::new(pg_controldata)
        .arg("-D")
        .arg(data_dir)
        .c_locale()
        .timeout(Duration::from_secs(10))
        .run(run_as)
        .await?;
    ControlData::parse(&out.stdout).map_err(PgError::Setup)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "pg_control version number:            1300
Catalog version number:               202209061
Database system identifier:           7312345678901234567
Database cluster state:               in production
pg_control last modified:             Tue 01 Jan 2026 00:00:00 UTC
Latest checkpoint location:           0/3000060
Latest checkpoint's REDO location:    0/3000028
Latest checkpoint's REDO WAL file:    000000020000000000000003
Latest checkpoint's TimeLineID:       2
Latest checkpoint's PrevTimeLineID:   2
Minimum recovery ending location:     0/0
Min recovery ending loc's timeline:   0
wal_log_hints setting:                off
max_connections setting:              100
max_worker_processes setting:         8
max_wal_senders setting:              10
max_prepared_xacts setting:           0
max_locks_per_xact setting:           64
Data page checksum version:           1
";

    #[test]
    fn parses_fields() {
        let c = ControlData::parse(SAMPLE).expect("parses");
        assert_eq!(c.sysid, "7312345678901234567");
        assert_eq!(c.state, ClusterState::InProduction);
        assert!(!c.state.is_clean());
        assert_eq!(c.checkpoint_lsn, Lsn::parse_pg("0/3000060"));
        assert_eq!(c.timeline, Some(2));
        assert_eq!(c.wal_position(), Lsn::parse_pg("0/3000060"));
        assert_eq!(c.effective_timeline(), Some(2));
        assert!(!c.wal_log_hints);
        assert!(c.checksums);
        assert_eq!(c.standby_minimums["max_connections"], 100);
        assert_eq!(c.standby_minimums["max_locks_per_transaction"], 64);
        assert_eq!(c.standby_minimums.len(), 5);
    }

    #[test]
    fn missing_sysid_is_an_error() {
        assert!(ControlData::parse("garbage").is_err());
    }
}
