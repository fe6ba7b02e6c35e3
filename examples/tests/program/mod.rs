//! An example program run by a test: its stdout read line by line, each line stamped by the
//! program with the wall clock in milliseconds; killed when dropped.

use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

/// Milliseconds since the epoch (the programs' stamps are on the same clock).
pub(crate) fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

/// A running example program.
pub(crate) struct Program {
    pub(crate) child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    /// How long a line may take.
    patience: Duration,
}

impl Program {
    /// Starts `binary` with `args`; each line must come within `patience`.
    pub(crate) fn start(binary: &str, args: &[&str], patience: Duration) -> Program {
        let mut child = Command::new(binary)
            .args(args)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("start {binary}: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        Program {
            child,
            lines: BufReader::new(stdout).lines(),
            patience,
        }
    }

    /// Reads lines until one starts with `prefix`; returns it with its stamp.
    pub(crate) async fn until(&mut self, prefix: &str) -> (u128, String) {
        loop {
            let (stamp, line) = self.line().await;
            if line.starts_with(prefix) {
                return (stamp, line);
            }
        }
    }

    /// The next line: (its wall-clock stamp, the rest).
    pub(crate) async fn line(&mut self) -> (u128, String) {
        let line = tokio::time::timeout(self.patience, self.lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("a line within {:?}", self.patience))
            .expect("read stdout");
        let Some(line) = line else {
            let status = self.child.wait().await;
            panic!("the example exited: {status:?}");
        };
        let (stamp, rest) = line.split_once(' ').expect("a stamped line");
        (
            stamp.parse().expect("a millisecond stamp"),
            rest.to_string(),
        )
    }
}
