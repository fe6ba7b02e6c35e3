//! Supervision of the postmaster: it runs as a child of the agent (`postgres -D ...`, not
//! pg_ctl's daemon), so its exit is noticed as soon as the kernel reports it. A postmaster
//! found running at startup (started by an earlier agent) is adopted and polled through
//! `/proc` instead.

use super::error::command_failed;
use super::pidfile::process_alive;
use super::procs::kill_server;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use pg_ha_core::PgError;
use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::watch;

/// How many lines of the postmaster's output are kept for error messages.
const LOG_LINES: usize = 40;
/// How often an adopted postmaster is checked.
const ADOPTED_POLL: Duration = Duration::from_millis(100);

/// One exit of the postmaster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostmasterExit {
    /// Its pid.
    pub pid: u32,
    /// The exit code, if it exited normally.
    pub code: Option<i32>,
    /// The signal that killed it, if any.
    pub signal: Option<i32>,
    /// True when the agent had asked it to stop.
    pub expected: bool,
    /// Counts exits since the agent started (1, 2, ...).
    pub seq: u64,
}

#[derive(Debug, Default)]
struct Inner {
    pid: Option<u32>,
    stopping: bool,
    crashed: bool,
    seq: u64,
    log: VecDeque<String>,
}

/// The postmaster process, if any, and the channel that reports its exits.
#[derive(Debug, Clone)]
pub struct Postmaster {
    inner: Arc<Mutex<Inner>>,
    exits: Arc<watch::Sender<Option<PostmasterExit>>>,
}

impl Default for Postmaster {
    fn default() -> Self {
        Postmaster::new()
    }
}

impl Postmaster {
    /// No postmaster yet.
    pub fn new() -> Postmaster {
        Postmaster {
            inner: Arc::default(),
            exits: Arc::new(watch::channel(None).0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A receiver that changes on every postmaster exit (the latest exit is its value).
    pub fn subscribe(&self) -> watch::Receiver<Option<PostmasterExit>> {
        self.exits.subscribe()
    }

    /// The pid of the running postmaster.
    pub fn pid(&self) -> Option<u32> {
        self.lock().pid
    }

    /// True when it exited without being asked to (since the last start).
    pub fn crashed(&self) -> bool {
        self.lock().crashed
    }

    /// The last lines the postmaster wrote to stderr.
    pub fn log_tail(&self) -> String {
        let inner = self.lock();
        inner.log.iter().cloned().collect::<Vec<_>>().join(" | ")
    }

    /// Starts `cmd` (a `postgres -D ...` command, identity already applied) as a child in its
    /// own process group and watches it.
    pub fn spawn(&self, mut cmd: tokio::process::Command) -> Result<u32, PgError> {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(false);
        let mut child = cmd
            .spawn()
            .map_err(|e| command_failed("postgres", format!("cannot start: {e}")))?;
        let pid = child
            .id()
            .ok_or_else(|| command_failed("postgres", "exited at once"))?;
        {
            let mut inner = self.lock();
            inner.pid = Some(pid);
            inner.stopping = false;
            inner.crashed = false;
            inner.log.clear();
        }
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(forward_log(Arc::clone(&self.inner), stderr));
        }
        let this = self.clone();
        tokio::spawn(async move {
            let status = child.wait().await;
            use std::os::unix::process::ExitStatusExt;
            let (code, signal) = match status {
                Ok(s) => (s.code(), s.signal()),
                Err(_) => (None, None),
            };
            this.record_exit(pid, code, signal);
        });
        tracing::info!(pid, "postmaster started");
        Ok(pid)
    }

    /// Adopts a postmaster that is not a child of this process, polling it through `/proc`.
    pub fn adopt(&self, pid: u32) {
        {
            let mut inner = self.lock();
            if inner.pid == Some(pid) {
                return;
            }
            inner.pid = Some(pid);
            inner.stopping = false;
            inner.crashed = false;
        }
        tracing::info!(pid, "adopted a running postmaster");
        let this = self.clone();
        tokio::spawn(async move {
            while process_alive(pid) {
                tokio::time::sleep(ADOPTED_POLL).await;
            }
            this.record_exit(pid, None, None);
        });
    }

    fn record_exit(&self, pid: u32, code: Option<i32>, signal: Option<i32>) {
        let exit = {
            let mut inner = self.lock();
            if inner.pid != Some(pid) {
                return;
            }
            inner.pid = None;
            inner.seq += 1;
            inner.crashed = !inner.stopping;
            PostmasterExit {
                pid,
                code,
                signal,
                expected: inner.stopping,
                seq: inner.seq,
            }
        };
        if exit.expected {
            tracing::info!(pid, ?code, ?signal, "postmaster stopped");
        } else {
            tracing::warn!(pid, ?code, ?signal, log = %self.log_tail(), "postmaster exited unexpectedly");
        }
        self.exits.send_replace(Some(exit));
    }

    /// Sends `signal` to the postmaster; `stopping` marks the coming exit as expected.
    pub fn signal(&self, signal: Signal, stopping: bool) -> Result<(), PgError> {
        let pid = {
            let mut inner = self.lock();
            let Some(pid) = inner.pid else {
                return Ok(());
            };
            inner.stopping |= stopping;
            pid
        };
        send(pid, signal)
    }

    /// SIGKILLs the postmaster and all its backends.
    pub fn kill_all(&self) {
        if let Some(pid) = self.lock().pid {
            kill_server(pid);
        }
    }

    /// Waits until no postmaster runs, at most `timeout`. True when it has exited.
    pub async fn wait_exit(&self, timeout: Duration) -> bool {
        let mut rx = self.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.pid().is_none() {
                return true;
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                return self.pid().is_none();
            }
        }
    }
}

/// Sends `signal` to `pid`; a process that is already gone is not an error.
pub fn send(pid: u32, signal: Signal) -> Result<(), PgError> {
    let Ok(raw) = i32::try_from(pid) else {
        return Err(PgError::InvalidState(format!("bad pid {pid}")));
    };
    match kill(Pid::from_raw(raw), signal) {
        Ok(()) | Err(nix::errno::Errno::ESRCH) => Ok(()),
        Err(e) => Err(PgError::InvalidState(format!(
            "cannot send {signal} to postmaster {pid}: {e}"
        ))),
    }
}

/// How a PostgreSQL log line is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Severity {
    /// PANIC, FATAL, ERROR.
    Error,
    /// WARNING.
    Warning,
    /// LOG, NOTICE, INFO, DEBUGn: PostgreSQL's chatter (checkpoints, connections).
    Chatter,
}

/// The severity a line states (`... FATAL:  ...`); `None` for a continuation line
/// (`DETAIL:`, `HINT:`, `STATEMENT:`, `CONTEXT:` or no tag), which takes its entry's.
fn severity(line: &str) -> Option<Severity> {
    let tags = [
        ("PANIC:", Severity::Error),
        ("FATAL:", Severity::Error),
        ("ERROR:", Severity::Error),
        ("WARNING:", Severity::Warning),
        ("LOG:", Severity::Chatter),
        ("NOTICE:", Severity::Chatter),
        ("INFO:", Severity::Chatter),
        ("DEBUG", Severity::Chatter),
    ];
    let first = tags
        .iter()
        .filter_map(|(tag, severity)| line.find(tag).map(|at| (at, *severity)))
        .min_by_key(|(at, _)| *at)?;
    let continuation = [
        "DETAIL:",
        "HINT:",
        "STATEMENT:",
        "CONTEXT:",
        "QUERY:",
        "LOCATION:",
    ]
    .iter()
    .any(|tag| line.find(tag).is_some_and(|at| at < first.0));
    (!continuation).then_some(first.1)
}

async fn forward_log(inner: Arc<Mutex<Inner>>, stderr: tokio::process::ChildStderr) {
    let mut lines = BufReader::new(stderr).lines();
    let mut current = Severity::Chatter;
    while let Ok(Some(line)) = lines.next_line().await {
        current = severity(&line).unwrap_or(current);
        match current {
            Severity::Error => tracing::error!(target: "postgres", "{line}"),
            Severity::Warning => tracing::warn!(target: "postgres", "{line}"),
            Severity::Chatter => tracing::debug!(target: "postgres", "{line}"),
        }
        let mut guard = inner.lock().unwrap_or_else(|e| e.into_inner());
        if guard.log.len() >= LOG_LINES {
            guard.log.pop_front();
        }
        guard.log.push_back(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_lines_are_logged_at_their_severity() {
        let prefix = "2026-12-03 12:46:27.600 UTC [28194] ";
        let line = |rest: &str| format!("{prefix}{rest}");
        assert_eq!(
            severity(&line("FATAL:  recovery aborted")),
            Some(Severity::Error)
        );
        assert_eq!(
            severity(&line("ERROR:  relation \"x\" does not exist")),
            Some(Severity::Error)
        );
        assert_eq!(
            severity(&line("WARNING:  skipping")),
            Some(Severity::Warning)
        );
        assert_eq!(
            severity(&line("LOG:  checkpoint complete")),
            Some(Severity::Chatter)
        );
        assert_eq!(
            severity(&line("DETAIL:  max_connections = 60 ... ERROR: x")),
            None
        );
        assert_eq!(severity("\tcontinued statement text"), None);
    }

    #[tokio::test]
    async fn reports_unexpected_and_expected_exits() {
        let pm = Postmaster::new();
        let mut rx = pm.subscribe();
        let mut cmd = tokio::process::Command::new("sh");
        cmd.arg("-c").arg("echo hello >&2; sleep 30");
        let pid = pm.spawn(cmd).expect("spawns");
        tokio::time::sleep(Duration::from_millis(100)).await;
        kill_server(pid);
        tokio::time::timeout(Duration::from_secs(1), rx.changed())
            .await
            .expect("exit reported within a second")
            .expect("sender alive");
        let exit = rx.borrow().clone().expect("an exit");
        assert_eq!(exit.signal, Some(9));
        assert!(!exit.expected);
        assert!(pm.crashed());
        assert!(pm.log_tail().contains("hello"));

        let mut cmd = tokio::process::Command::new("sleep");
        cmd.arg("30");
        pm.spawn(cmd).expect("spawns");
        pm.signal(Signal::SIGTERM, true).expect("signals");
        assert!(pm.wait_exit(Duration::from_secs(2)).await);
        assert!(!pm.crashed());
        assert!(rx.borrow_and_update().as_ref().is_some_and(|e| e.expected));
    }

    #[tokio::test]
    async fn adopted_process_exit_is_noticed() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawns");
        let pm = Postmaster::new();
        pm.adopt(child.id());
        assert_eq!(pm.pid(), Some(child.id()));
        child.kill().expect("kills");
        let _ = child.wait();
        assert!(pm.wait_exit(Duration::from_secs(1)).await);
        assert!(pm.crashed());
    }
}
