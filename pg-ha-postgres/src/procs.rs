//! PostgreSQL's processes as seen in `/proc`. Backends call `setsid()`, so they are not in the
//! postmaster's process group: to stop a server at once they are found as the postmaster's
//! children, and the orphans of a dead postmaster as the processes still attached to its
//! System V shared memory segment (whose key `postmaster.pid` records).

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// The parent pid from `/proc/<pid>/stat`.
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(1)?.parse().ok()
}

/// Every pid in `/proc`.
fn all_pids() -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
        .collect()
}

/// The direct children of `pid`.
pub fn children_of(pid: u32) -> Vec<u32> {
    all_pids()
        .into_iter()
        .filter(|p| parent_of(*p) == Some(pid))
        .collect()
}

fn signal(pid: u32, sig: Signal) {
    if let Ok(raw) = i32::try_from(pid) {
        let _ = kill(Pid::from_raw(raw), sig);
    }
}

/// Stops a server at once: freezes the postmaster (no new backends), SIGKILLs its children,
/// then the postmaster. Returns the children killed.
pub fn kill_server(postmaster: u32) -> Vec<u32> {
    signal(postmaster, Signal::SIGSTOP);
    let children = children_of(postmaster);
    for child in &children {
        signal(*child, Signal::SIGKILL);
    }
    signal(postmaster, Signal::SIGKILL);
    children
}

/// Asks a postmaster for a fast shutdown (SIGINT): it ends the client sessions, writes a
/// shutdown checkpoint and waits for its walsenders to hand every WAL record to the
/// connected standbys before it exits.
pub fn request_fast_shutdown(postmaster: u32) {
    signal(postmaster, Signal::SIGINT);
}

/// Freezes (`SIGSTOP`) or thaws (`SIGCONT`) a postmaster and its children.
pub fn signal_server(postmaster: u32, sig: Signal) {
    signal(postmaster, sig);
    for child in children_of(postmaster) {
        signal(child, sig);
    }
}

/// The System V shared memory key of a `postmaster.pid` (line 7: `key shmid`).
pub fn shm_key(pidfile_text: &str) -> Option<u32> {
    pidfile_text
        .lines()
        .nth(6)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The processes that have the segment with `key` mapped.
pub fn shm_attachers(key: u32) -> Vec<u32> {
    let needle = format!("SYSV{key:08x}");
    all_pids()
        .into_iter()
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/maps"))
                .is_ok_and(|maps| maps.contains(&needle))
        })
        .collect()
}

/// SIGKILLs `pids`.
pub fn kill_all(pids: &[u32]) {
    for pid in pids {
        signal(*pid, Signal::SIGKILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_children_and_shm_keys() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawns");
        assert!(children_of(std::process::id()).contains(&child.id()));
        child.kill().expect("kills");
        let _ = child.wait();
        let text = "1\n/d\n1\n5432\n/tmp\n*\n  5432001     32770\nready   \n";
        assert_eq!(shm_key(text), Some(5_432_001));
        assert_eq!(shm_key("1\n"), None);
        assert!(shm_attachers(0xdead_beef).is_empty());
    }
}
