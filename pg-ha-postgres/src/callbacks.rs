//! User callbacks (`on_start`, `on_stop`, `on_restart`, `on_reload`, `on_role_change`), run as
//! `<cmd> <action> <role> <scope>` in the background so they never block the HA loop. As in
//! Patroni, a new callback kills the one still running, except `on_reload`.

use super::privileges::RunAs;
use super::settings::Callbacks;
use nix::sys::signal::Signal;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

/// A callback event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackAction {
    /// PostgreSQL started.
    OnStart,
    /// PostgreSQL stopped.
    OnStop,
    /// PostgreSQL restarted.
    OnRestart,
    /// The configuration was reloaded.
    OnReload,
    /// The role changed (promote or demote).
    OnRoleChange,
}

impl CallbackAction {
    /// The action name passed as the first argument.
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackAction::OnStart => "on_start",
            CallbackAction::OnStop => "on_stop",
            CallbackAction::OnRestart => "on_restart",
            CallbackAction::OnReload => "on_reload",
            CallbackAction::OnRoleChange => "on_role_change",
        }
    }

    fn command(self, callbacks: &Callbacks) -> Option<&str> {
        match self {
            CallbackAction::OnStart => callbacks.on_start.as_deref(),
            CallbackAction::OnStop => callbacks.on_stop.as_deref(),
            CallbackAction::OnRestart => callbacks.on_restart.as_deref(),
            CallbackAction::OnReload => callbacks.on_reload.as_deref(),
            CallbackAction::OnRoleChange => callbacks.on_role_change.as_deref(),
        }
    }
}

/// Runs callbacks without waiting for them.
#[derive(Debug, Clone)]
pub struct CallbackRunner {
    callbacks: Callbacks,
    scope: String,
    run_as: RunAs,
    running: Arc<Mutex<Option<u32>>>,
}

impl CallbackRunner {
    /// A runner for `callbacks` of cluster `scope`.
    pub fn new(callbacks: Callbacks, scope: &str, run_as: RunAs) -> CallbackRunner {
        CallbackRunner {
            callbacks,
            scope: scope.to_string(),
            run_as,
            running: Arc::default(),
        }
    }

    /// Starts the callback for `action` with `role` (`primary`, `replica`, ...), if configured.
    pub fn fire(&self, action: CallbackAction, role: &str) {
        let Some(line) = action.command(&self.callbacks) else {
            return;
        };
        let mut words = line.split_whitespace();
        let Some(program) = words.next() else { return };
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(words)
            .arg(action.as_str())
            .arg(role)
            .arg(&self.scope)
            .stdin(Stdio::null())
            .kill_on_drop(false);
        self.run_as.apply(&mut cmd);
        let exclusive = action != CallbackAction::OnReload;
        if exclusive {
            self.kill_running();
        }
        let child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(callback = action.as_str(), "cannot run {program}: {e}");
                return;
            }
        };
        tracing::info!(callback = action.as_str(), role, "callback started");
        let pid = child.id();
        if exclusive {
            *self.lock() = pid;
        }
        let running = Arc::clone(&self.running);
        tokio::spawn(wait_for(child, action, pid, exclusive, running));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<u32>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn kill_running(&self) {
        if let Some(pid) = self.lock().take() {
            tracing::info!(pid, "killing the previous callback");
            let _ = super::postmaster::send(pid, Signal::SIGKILL);
        }
    }
}

async fn wait_for(
    mut child: tokio::process::Child,
    action: CallbackAction,
    pid: Option<u32>,
    exclusive: bool,
    running: Arc<Mutex<Option<u32>>>,
) {
    let status = child.wait().await;
    if exclusive {
        let mut guard = running.lock().unwrap_or_else(|e| e.into_inner());
        if *guard == pid {
            *guard = None;
        }
    }
    match status {
        Ok(s) if s.success() => tracing::debug!(callback = action.as_str(), "callback done"),
        Ok(s) => tracing::warn!(callback = action.as_str(), "callback exited with {s}"),
        Err(e) => tracing::warn!(callback = action.as_str(), "callback failed: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn runs_with_patroni_arguments_and_kills_the_previous_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("out");
        let script = dir.path().join("cb.sh");
        std::fs::write(
            &script,
            format!("#!/bin/sh\necho \"$@\" >> {}\nsleep 5\n", out.display()),
        )
        .expect("script");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let cb = Callbacks {
            on_start: Some(script.display().to_string()),
            on_role_change: Some(script.display().to_string()),
            ..Callbacks::default()
        };
        let me = RunAs::unswitched();
        let runner = CallbackRunner::new(cb, "demo", me);
        let start = std::time::Instant::now();
        runner.fire(CallbackAction::OnStart, "replica");
        tokio::time::sleep(Duration::from_millis(200)).await;
        let first = *runner.lock();
        runner.fire(CallbackAction::OnRoleChange, "primary");
        runner.fire(CallbackAction::OnStop, "primary");
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "fire must not block"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        let text = std::fs::read_to_string(&out).expect("output");
        assert!(text.contains("on_start replica demo"), "{text}");
        assert!(text.contains("on_role_change primary demo"), "{text}");
        let first = first.expect("first callback pid");
        assert!(!crate::pidfile::process_alive(first));
    }
}
