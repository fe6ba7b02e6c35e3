//! One guard per data directory: a new guard stops the one a previous agent left behind.
//!
//! A guard whose agent was killed keeps enforcing that agent's last deadline. When a new
//! agent adopts the server, takes the leader key back legitimately and arms a fence of its
//! own, the orphan must not kill the primary at the old deadline. Each guard records its pid
//! in `<data_dir>.fence.pid` (beside the data directory, so that clones of it do not carry
//! the file), and a starting guard SIGKILLs the pid recorded there if that process is a
//! `pg-ha-fence` guarding the same directory.

use crate::paths::DataPaths;
use crate::pidfile::process_alive;
use std::path::{Path, PathBuf};

/// Where the guard of `data_dir` records its pid.
pub fn pid_path(data_dir: &Path) -> PathBuf {
    DataPaths::new(data_dir).sibling("fence.pid")
}

/// Stops the guard recorded for `data_dir` (if it still runs and is one), then records
/// `own_pid`. Returns the pid of the guard it stopped.
pub fn supersede(data_dir: &Path, own_pid: u32) -> Option<u32> {
    let path = pid_path(data_dir);
    let previous = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| t.trim().parse::<u32>().ok())
        .filter(|pid| *pid != own_pid && is_guard_of(*pid, data_dir));
    if let Some(pid) = previous {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    if let Err(e) = std::fs::write(&path, format!("{own_pid}\n")) {
        eprintln!(
            "pg-ha-fence: cannot record its pid in {}: {e}",
            path.display()
        );
    }
    previous
}

/// True when `pid` is a live `pg-ha-fence --data-dir <data_dir>`.
fn is_guard_of(pid: u32, data_dir: &Path) -> bool {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
    let program = args
        .first()
        .and_then(|a| Path::new(std::str::from_utf8(a).ok()?).file_name());
    let dir = data_dir.as_os_str().as_encoded_bytes();
    program.is_some_and(|p| p == "pg-ha-fence")
        && args
            .windows(2)
            .any(|w| w[0] == b"--data-dir" && w[1] == dir)
        && process_alive(pid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_its_pid_and_ignores_pids_that_are_not_guards() {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        // Our own test process is alive but is not a guard: it must not be killed.
        std::fs::write(pid_path(&data), format!("{}\n", std::process::id())).expect("write");
        assert_eq!(supersede(&data, 4_000_000), None);
        let recorded = std::fs::read_to_string(pid_path(&data)).expect("read");
        assert_eq!(recorded.trim(), "4000000");
    }
}
