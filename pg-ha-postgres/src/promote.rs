//! Promote a standby; point a standby at another upstream; start in a role.

use super::callbacks::CallbackAction;
use super::client::{bounded, execute, sql_error};
use super::local::LocalPostgres;
use super::taken_timelines::TakenTimelines;
use pg_ha_core::postgres::Upstream;
use pg_ha_core::PgError;
use std::time::Duration;

/// PostgreSQL re-reads `primary_conninfo` on reload from version 13 on.
const RELOADABLE_CONNINFO_MAJOR: u32 = 13;

/// How often a promotion in progress is checked.
const PROMOTE_POLL: Duration = Duration::from_millis(5);

impl LocalPostgres {
    /// Starts as a primary; a running primary is left as it is.
    pub(crate) async fn start_primary_locked(&self) -> Result<(), PgError> {
        self.adopt_running();
        if self.postmaster.pid().is_some() {
            if self.paths.has_recovery_signal() {
                return Err(PgError::InvalidState(
                    "running as a standby; promote it instead".into(),
                ));
            }
            return Ok(());
        }
        self.start_locked(None).await?;
        self.callbacks.fire(CallbackAction::OnStart, "primary");
        Ok(())
    }

    /// Starts as a standby of `upstream`; a running standby just follows it.
    pub(crate) async fn start_standby_locked(
        &self,
        upstream: Option<&Upstream>,
    ) -> Result<(), PgError> {
        self.adopt_running();
        if self.postmaster.pid().is_some() {
            return self.follow_locked(upstream).await;
        }
        let was_primary = self.paths.is_initialized() && !self.paths.has_recovery_signal();
        self.start_locked(Some(self.recovery_for(upstream))).await?;
        let action = if was_primary {
            CallbackAction::OnRoleChange
        } else {
            CallbackAction::OnStart
        };
        self.callbacks.fire(action, "replica");
        Ok(())
    }

    /// Promotes the running standby onto a timeline above `above_timeline` and waits until it
    /// accepts writes.
    pub(crate) async fn promote_locked(&self, above_timeline: u32) -> Result<(), PgError> {
        self.adopt_running();
        if self.postmaster.pid().is_none() {
            return Err(PgError::InvalidState(
                "cannot promote: PostgreSQL is not running".into(),
            ));
        }
        if !self.paths.has_recovery_signal() {
            return Ok(());
        }
        let timeout = self.settings.pg_ctl_timeout;
        let hook = self.settings.hooks.pre_promote.as_deref();
        super::hooks::pre_promote(hook, &self.run_as, timeout).await?;
        let client = self.connect_local().await?;
        // PostgreSQL reads them when it picks the timeline; removed if the promotion fails.
        let taken = TakenTimelines::reserve(&self.paths, above_timeline);
        tracing::info!("promoting");
        // pg_promote(wait => true) polls only every 100 ms; signal and poll ourselves.
        let signalled: bool = bounded(
            self.settings.status_timeout,
            client.query_one("SELECT pg_catalog.pg_promote(false)", &[]),
        )
        .await?
        .and_then(|row| row.try_get(0))
        .map_err(|e| sql_error("pg_promote", e))?;
        if !signalled {
            return Err(PgError::CommandFailed {
                command: "pg_promote".into(),
                reason: "the promote signal could not be sent".into(),
            });
        }
        self.wait_promoted(&client, timeout).await?;
        taken.keep();
        self.conf_state().recovery = None;
        self.write_config()?;
        self.signal_reload()?;
        if let Err(e) = execute(&client, "CHECKPOINT", timeout).await {
            tracing::warn!("CHECKPOINT after promote failed: {e}");
        }
        tracing::info!("promoted");
        self.callbacks.fire(CallbackAction::OnRoleChange, "primary");
        Ok(())
    }

    /// Polls `pg_is_in_recovery()` every few milliseconds until the server accepts writes.
    async fn wait_promoted(
        &self,
        client: &tokio_postgres::Client,
        timeout: Duration,
    ) -> Result<(), PgError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let in_recovery: bool = bounded(
                self.settings.status_timeout,
                client.query_one("SELECT pg_catalog.pg_is_in_recovery()", &[]),
            )
            .await?
            .and_then(|row| row.try_get(0))
            .map_err(|e| sql_error("pg_is_in_recovery", e))?;
            if !in_recovery {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(PgError::CommandFailed {
                    command: "pg_promote".into(),
                    reason: format!("not promoted within {timeout:?}"),
                });
            }
            tokio::time::sleep(PROMOTE_POLL).await;
        }
    }

    /// Streams from `upstream` from now on: a running standby reloads (or restarts on
    /// PostgreSQL < 13); a stopped one is configured for its next start.
    pub(crate) async fn follow_locked(&self, upstream: Option<&Upstream>) -> Result<(), PgError> {
        self.adopt_running();
        let recovery = self.recovery_for(upstream);
        if self.postmaster.pid().is_none() {
            return self.configure(Some(recovery));
        }
        if !self.paths.has_recovery_signal() {
            return Err(PgError::InvalidState(
                "running as a primary: stop it and start it as a standby to follow".into(),
            ));
        }
        if self.conf_state().recovery.as_ref() == Some(&recovery) {
            return Ok(());
        }
        tracing::info!(upstream = ?upstream.map(|u| &u.name), "following a new upstream");
        self.configure(Some(recovery))?;
        if self.major >= RELOADABLE_CONNINFO_MAJOR {
            self.signal_reload()
        } else {
            self.restart_locked().await
        }
    }
}
