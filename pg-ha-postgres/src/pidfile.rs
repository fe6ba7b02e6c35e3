//! `postmaster.pid` and process liveness from `/proc`: a killed postmaster can stay a zombie
//! for a while, so `kill -0` alone is not enough.

use std::path::Path;

/// The postmaster's state as written on line 8 of `postmaster.pid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PmStatus {
    /// `starting`: recovering or not yet consistent.
    Starting,
    /// `stopping`.
    Stopping,
    /// `ready`: accepting connections as a primary.
    Ready,
    /// `standby`: accepting read-only connections.
    Standby,
    /// No status line yet.
    Unknown,
}

/// What `postmaster.pid` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PidFile {
    /// The postmaster's pid (line 1).
    pub pid: u32,
    /// Its status (line 8).
    pub status: PmStatus,
}

impl PidFile {
    /// Parses the file's text.
    pub fn parse(text: &str) -> Option<PidFile> {
        let mut lines = text.lines();
        let pid = lines.next()?.trim().parse().ok()?;
        let status = match text.lines().nth(7).map(str::trim) {
            Some("starting") => PmStatus::Starting,
            Some("stopping") => PmStatus::Stopping,
            Some("ready") => PmStatus::Ready,
            Some("standby") => PmStatus::Standby,
            _ => PmStatus::Unknown,
        };
        Some(PidFile { pid, status })
    }

    /// Reads `path`; `None` when missing or unreadable.
    pub fn read(path: &Path) -> Option<PidFile> {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|t| PidFile::parse(&t))
    }

    /// True when the postmaster accepts connections.
    pub fn accepting(&self) -> bool {
        matches!(self.status, PmStatus::Ready | PmStatus::Standby)
    }
}

/// True when `pid` exists and is not a zombie (or dead).
pub fn process_alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state follows the command name, which is in parentheses and may contain spaces.
    let state = stat
        .rfind(')')
        .and_then(|i| stat[i + 1..].split_whitespace().next());
    !matches!(state, Some("Z") | Some("X") | Some("x") | None)
}

/// True when `pid` is a live PostgreSQL process (its command name is `postgres`).
pub fn is_postgres(pid: u32) -> bool {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    matches!(comm.trim(), "postgres" | "postmaster") && process_alive(pid)
}

/// The pid of a live postmaster running on `data_dir`, from its `postmaster.pid`.
pub fn running_postmaster(pidfile: &Path) -> Option<PidFile> {
    PidFile::read(pidfile).filter(|p| is_postgres(p.pid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pidfile() {
        let text = "1234\n/data\n1700000000\n5432\n/tmp\n127.0.0.1\n  5432001    32768\nready   \n";
        let p = PidFile::parse(text).expect("parses");
        assert_eq!(p.pid, 1234);
        assert_eq!(p.status, PmStatus::Ready);
        assert!(p.accepting());
        let starting = PidFile::parse("99\n/data\n").expect("parses");
        assert_eq!(starting.status, PmStatus::Unknown);
        assert!(PidFile::parse("").is_none());
    }

    #[test]
    fn own_process_is_alive_and_not_postgres() {
        let me = std::process::id();
        assert!(process_alive(me));
        assert!(!is_postgres(me));
        assert!(!process_alive(u32::MAX - 1));
    }
}
