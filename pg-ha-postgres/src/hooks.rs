//! `pre_promote` and `before_stop`: commands the agent waits for, run as PostgreSQL's OS
//! user with a deadline. A `pre_promote` that fails (non-zero exit, or no exit within the
//! deadline) refuses the promotion, as on Patroni, where it fences the old primary; a
//! `before_stop` result is only logged.

use super::privileges::RunAs;
use pg_ha_core::PgError;
use std::process::Stdio;
use std::time::Duration;

/// Runs `line` (a program and its arguments, split on whitespace) and waits at most
/// `timeout`; `Ok(())` on exit code 0, else `Err` saying what happened.
pub(crate) async fn run_hook(
    name: &str,
    line: &str,
    run_as: &RunAs,
    timeout: Duration,
) -> Result<(), String> {
    let mut words = line.split_whitespace();
    let program = words.next().ok_or_else(|| format!("{name} is empty"))?;
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(words).stdin(Stdio::null()).kill_on_drop(true);
    run_as.apply(&mut cmd);
    tracing::info!(hook = name, command = line, "running");
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("{name} `{line}` cannot run: {e}"))?;
    match tokio::time::timeout(timeout, child.wait()).await {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(format!("{name} `{line}` exited with {status}")),
        Ok(Err(e)) => Err(format!("{name} `{line}` failed: {e}")),
        Err(_) => Err(format!("{name} `{line}` did not finish within {timeout:?}")),
    }
}

/// `pre_promote` when set: an error refuses the promotion.
pub(crate) async fn pre_promote(
    line: Option<&str>,
    run_as: &RunAs,
    timeout: Duration,
) -> Result<(), PgError> {
    let Some(line) = line else { return Ok(()) };
    run_hook("pre_promote", line, run_as, timeout)
        .await
        .map_err(PgError::Refused)
}

/// `before_stop` when set; its failure is logged, the stop goes on.
pub(crate) async fn before_stop(line: Option<&str>, run_as: &RunAs, timeout: Duration) {
    let Some(line) = line else { return };
    if let Err(e) = run_hook("before_stop", line, run_as, timeout).await {
        tracing::warn!("{e}; stopping anyway");
    }
}
