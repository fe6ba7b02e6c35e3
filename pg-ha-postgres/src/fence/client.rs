//! The agent's side of the write fence: starts the guard process on first use and feeds it
//! absolute deadlines on `CLOCK_MONOTONIC`, and writes each deadline to the lease file for
//! the `pg_ha_lease` extension.

use super::lease_file::LeaseFile;
use super::protocol::{monotonic_now, FenceCommand};
use pg_ha_core::postgres::WriteFence;
use pg_ha_core::{Clock, Mono, PgError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Subtracted from every deadline to cover the pipe and scheduling latency.
pub const SAFETY: Duration = Duration::from_millis(50);

struct GuardProcess {
    child: Child,
    stdin: ChildStdin,
}

/// A handle on the guard process of one data directory.
pub struct FenceClient {
    binary: PathBuf,
    data_dir: PathBuf,
    clock: Arc<dyn Clock>,
    guard: Mutex<Option<GuardProcess>>,
    lease: LeaseFile,
}

impl std::fmt::Debug for FenceClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FenceClient")
            .field("binary", &self.binary)
            .field("guard_pid", &self.guard_pid())
            .finish()
    }
}

impl FenceClient {
    /// A client that starts `binary --data-dir <data_dir>` when first armed. Deadlines are
    /// on `clock`, the runner's clock.
    pub fn new(binary: &Path, data_dir: &Path, clock: Arc<dyn Clock>) -> FenceClient {
        FenceClient {
            binary: binary.to_path_buf(),
            data_dir: data_dir.to_path_buf(),
            clock,
            guard: Mutex::new(None),
            lease: LeaseFile::of(data_dir),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<GuardProcess>> {
        self.guard.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The guard's pid, while it runs.
    pub fn guard_pid(&self) -> Option<u32> {
        self.lock().as_ref().map(|g| g.child.id())
    }

    /// Arms (or extends) the fence to `deadline`, or disarms it with `None`.
    pub fn set(&self, deadline: Option<Mono>) -> Result<(), PgError> {
        self.send(match deadline {
            Some(d) => FenceCommand::Deadline {
                at: self.on_guard_clock(d),
                clean_stop: None,
            },
            None => FenceCommand::Disarm,
        })
    }

    /// Arms (or extends) the fence to `fence.deadline`, with a clean stop of a primary at
    /// `fence.clean_stop`, or disarms it with `None`.
    pub fn arm(&self, fence: Option<WriteFence>) -> Result<(), PgError> {
        self.send(match fence {
            Some(f) => FenceCommand::Deadline {
                at: self.on_guard_clock(f.deadline),
                clean_stop: Some(self.on_guard_clock(f.clean_stop)),
            },
            None => FenceCommand::Disarm,
        })
    }

    /// `at` (on the runner's clock) as `CLOCK_MONOTONIC` nanoseconds, less [`SAFETY`].
    fn on_guard_clock(&self, at: Mono) -> u64 {
        let left = at.since(self.clock.now()).saturating_sub(SAFETY);
        let left = u64::try_from(left.as_nanos()).unwrap_or(u64::MAX);
        monotonic_now().saturating_add(left)
    }

    /// Writes `command`'s deadline to the lease file and sends it to the guard.
    fn send(&self, command: FenceCommand) -> Result<(), PgError> {
        let in_file = match command {
            FenceCommand::Deadline { at, .. } => at,
            FenceCommand::Disarm => 0,
        };
        if let Err(e) = self.lease.write(in_file) {
            tracing::warn!(path = %self.lease.path().display(), "cannot write the lease file: {e}");
        }
        let mut guard = self.lock();
        if command == FenceCommand::Disarm && guard.is_none() {
            return Ok(());
        }
        let line = command.to_line();
        let mut last_error = String::new();
        for _ in 0..2 {
            reap_if_exited(&mut guard);
            if guard.is_none() {
                *guard = Some(self.spawn()?);
            }
            let Some(proc) = guard.as_mut() else { continue };
            match proc
                .stdin
                .write_all(line.as_bytes())
                .and_then(|()| proc.stdin.flush())
            {
                Ok(()) => return Ok(()),
                Err(e) => {
                    tracing::warn!("the fence guard is gone ({e}); starting a new one");
                    last_error = e.to_string();
                    if let Some(mut old) = guard.take() {
                        let _ = old.child.kill();
                        let _ = old.child.wait();
                    }
                }
            }
        }
        Err(PgError::Setup(format!(
            "cannot reach the fence guard: {last_error}"
        )))
    }

    fn spawn(&self) -> Result<GuardProcess, PgError> {
        use std::os::unix::process::CommandExt;
        let mut child = Command::new(&self.binary)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .process_group(0)
            .spawn()
            .map_err(|e| {
                PgError::Setup(format!(
                    "cannot start the fence guard {}: {e}",
                    self.binary.display()
                ))
            })?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| PgError::Setup("the fence guard has no stdin".to_string()))?;
        tracing::info!(pid = child.id(), "fence guard started");
        Ok(GuardProcess { child, stdin })
    }
}

fn reap_if_exited(guard: &mut Option<GuardProcess>) {
    let exited = guard
        .as_mut()
        .is_some_and(|g| !matches!(g.child.try_wait(), Ok(None)));
    if exited {
        *guard = None;
    }
}
