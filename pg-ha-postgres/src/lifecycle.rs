//! Start, stop, restart and reload of the postmaster.

use super::callbacks::CallbackAction;
use super::conf::RecoveryConf;
use super::error::command_failed;
use super::local::LocalPostgres;
use super::pidfile::{is_postgres, running_postmaster, PidFile};
use super::procs::{kill_all, shm_attachers, shm_key};
use super::validate;
use nix::sys::signal::Signal;
use pg_ha_core::postgres::StopMode;
use pg_ha_core::PgError;
use std::time::Duration;

/// How often startup progress is checked.
const START_POLL: Duration = Duration::from_millis(50);
/// How long backends of a killed postmaster get to exit before they are killed.
pub(crate) const ORPHAN_WAIT: Duration = Duration::from_secs(5);
/// How long an immediate stop may take after SIGKILL.
const KILL_WAIT: Duration = Duration::from_secs(5);

/// A stop request, including the smart mode that the trait does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    /// SIGTERM: wait for clients to disconnect.
    Smart,
    /// SIGINT: disconnect clients, shutdown checkpoint.
    Fast,
    /// Fast, then SIGKILL if the postmaster still runs after this long.
    FastOrKill(Duration),
    /// SIGQUIT: no checkpoint; SIGKILL if that does not stop it in time.
    Immediate,
}

/// How long `before_stop` may delay a fast stop (it is then left running). A leader that
/// lost the DCS stops cleanly shortly before its lease deadline; a slower hook delays that
/// stop past the deadline, where the write fence stops the server instead.
const BEFORE_STOP_LIMIT: Duration = Duration::from_secs(5);

impl From<StopMode> for Shutdown {
    fn from(mode: StopMode) -> Shutdown {
        match mode {
            StopMode::Fast => Shutdown::Fast,
            StopMode::FastOrKill { after } => Shutdown::FastOrKill(after),
            StopMode::Immediate => Shutdown::Immediate,
        }
    }
}

impl Shutdown {
    fn signal(self) -> Signal {
        match self {
            Shutdown::Smart => Signal::SIGTERM,
            Shutdown::Fast | Shutdown::FastOrKill(_) => Signal::SIGINT,
            Shutdown::Immediate => Signal::SIGQUIT,
        }
    }
}

impl LocalPostgres {
    /// `primary` or `replica`, from the signal files (for callbacks).
    pub(crate) fn role_name(&self) -> &'static str {
        if self.paths.has_recovery_signal() {
            "replica"
        } else {
            "primary"
        }
    }

    /// Adopts a postmaster that was started behind the agent's back.
    pub(crate) fn adopt_running(&self) {
        if self.postmaster.pid().is_none() {
            if let Some(pidfile) = running_postmaster(&self.paths.pidfile()) {
                self.postmaster.adopt(pidfile.pid);
            }
        }
    }

    /// Writes the configuration for `recovery` and starts the postmaster; waits until it
    /// accepts connections (at most `pg_ctl_timeout`).
    pub(crate) async fn start_locked(&self, recovery: Option<RecoveryConf>) -> Result<(), PgError> {
        self.adopt_running();
        if self.postmaster.pid().is_some() {
            return Err(PgError::InvalidState(
                "PostgreSQL is already running".into(),
            ));
        }
        if !self.paths.is_initialized() {
            return Err(PgError::InvalidState(format!(
                "{} holds no PostgreSQL cluster",
                self.paths.data_dir.display()
            )));
        }
        self.reap_orphans().await;
        validate::port_free(&self.listen)?;
        let minimums = match &recovery {
            Some(_) => self.controldata().await?.standby_minimums,
            None => Default::default(),
        };
        self.conf_state().standby_minimums = minimums;
        self.configure(recovery)?;
        let mut cmd = tokio::process::Command::new(self.binary("postgres"));
        cmd.args(self.paths.server_args());
        self.run_as.apply(&mut cmd);
        self.postmaster.spawn(cmd)?;
        self.wait_started().await
    }

    async fn wait_started(&self) -> Result<(), PgError> {
        let deadline = tokio::time::Instant::now() + self.settings.pg_ctl_timeout;
        loop {
            let Some(pid) = self.postmaster.pid() else {
                return Err(command_failed(
                    "postgres",
                    format!("exited during startup: {}", self.postmaster.log_tail()),
                ));
            };
            let ready =
                PidFile::read(&self.paths.pidfile()).is_some_and(|p| p.pid == pid && p.accepting());
            if ready {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(PgError::InvalidState(format!(
                    "PostgreSQL still starting after {:?}",
                    self.settings.pg_ctl_timeout
                )));
            }
            tokio::time::sleep(START_POLL).await;
        }
    }

    /// After a postmaster died, waits (at most `ORPHAN_WAIT`) until its backends have
    /// noticed and left its shared memory, then SIGKILLs any left: a new postmaster (or
    /// single-user mode) refuses to start while they are attached.
    pub(crate) async fn reap_orphans(&self) {
        let Ok(text) = std::fs::read_to_string(self.paths.pidfile()) else {
            return;
        };
        let Some(key) = shm_key(&text) else { return };
        if PidFile::parse(&text).is_some_and(|p| is_postgres(p.pid)) {
            return;
        }
        let deadline = tokio::time::Instant::now() + ORPHAN_WAIT;
        loop {
            let left = shm_attachers(key);
            if left.is_empty() {
                return;
            }
            if tokio::time::Instant::now() >= deadline {
                tracing::warn!(?left, "killing backends left over from a dead postmaster");
                kill_all(&left);
                tokio::time::sleep(Duration::from_millis(100)).await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops the postmaster; a stopped server is not an error.
    pub(crate) async fn stop_locked(&self, mode: Shutdown) -> Result<bool, PgError> {
        self.adopt_running();
        if self.postmaster.pid().is_none() {
            return Ok(false);
        }
        if matches!(mode, Shutdown::Fast | Shutdown::FastOrKill(_)) {
            let hook = self.settings.hooks.before_stop.as_deref();
            super::hooks::before_stop(hook, &self.run_as, BEFORE_STOP_LIMIT).await;
        }
        *self.client.lock().await = None;
        tracing::info!(?mode, "stopping PostgreSQL");
        self.postmaster.signal(mode.signal(), true)?;
        let wait = match mode {
            Shutdown::FastOrKill(after) => after.min(self.settings.pg_ctl_timeout),
            _ => self.settings.pg_ctl_timeout,
        };
        if self.postmaster.wait_exit(wait).await {
            return Ok(true);
        }
        if matches!(mode, Shutdown::Smart | Shutdown::Fast) {
            return Err(command_failed(
                "stop",
                format!(
                    "PostgreSQL did not stop within {:?}",
                    self.settings.pg_ctl_timeout
                ),
            ));
        }
        tracing::warn!(?mode, "the stop timed out; killing the postmaster");
        self.postmaster.kill_all();
        if self.postmaster.wait_exit(KILL_WAIT).await {
            Ok(true)
        } else {
            Err(command_failed("stop", "the postmaster survived SIGKILL"))
        }
    }

    /// Stops PostgreSQL with `mode` (smart, fast or immediate), running `on_stop`.
    pub async fn shutdown(&self, mode: Shutdown) -> Result<(), PgError> {
        let _op = self.ops.lock().await;
        let role = self.role_name();
        if self.stop_locked(mode).await? {
            self.callbacks.fire(CallbackAction::OnStop, role);
        }
        Ok(())
    }

    /// Restarts in the current role (the recovery settings are kept).
    pub(crate) async fn restart_locked(&self) -> Result<(), PgError> {
        self.restart_with(|| Ok(())).await
    }

    /// Restarts in the current role, running `between` while PostgreSQL is stopped; the
    /// server starts again even when `between` fails (its error is returned then).
    pub(crate) async fn restart_with(
        &self,
        between: impl FnOnce() -> Result<(), PgError>,
    ) -> Result<(), PgError> {
        let recovery = self.conf_state().recovery.clone();
        let recovery = match recovery {
            Some(r) => Some(r),
            None if self.paths.has_recovery_signal() => Some(self.recovery_for(None)),
            None => None,
        };
        self.stop_locked(Shutdown::Fast).await?;
        let done = between();
        self.start_locked(recovery).await?;
        self.callbacks
            .fire(CallbackAction::OnRestart, self.role_name());
        done
    }

    /// Rewrites the configuration files and makes the running server re-read them (SIGHUP).
    pub async fn reload(&self) -> Result<(), PgError> {
        let _op = self.ops.lock().await;
        self.reload_locked()
    }

    pub(crate) fn reload_locked(&self) -> Result<(), PgError> {
        self.write_config()?;
        self.signal_reload()?;
        self.callbacks
            .fire(CallbackAction::OnReload, self.role_name());
        Ok(())
    }

    /// Sends SIGHUP to a running postmaster.
    pub(crate) fn signal_reload(&self) -> Result<(), PgError> {
        self.adopt_running();
        self.postmaster.signal(Signal::SIGHUP, false)
    }
}
