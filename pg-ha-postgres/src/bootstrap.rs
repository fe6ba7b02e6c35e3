//! Bootstrap of a new cluster: initdb (or a custom method), configuration, start as primary,
//! roles, `post_bootstrap`. A failed bootstrap moves what it created aside.

use super::callbacks::CallbackAction;
use super::client::{bounded, sql_error};
use super::command::Tool;
use super::error::{command_failed, io_error};
use super::files::{clear_dir, create_data_dir, remove_if_exists};
use super::initdb::initdb;
use super::lifecycle::Shutdown;
use super::local::LocalPostgres;
use super::roles::create_roles;
use super::settings::BootstrapMethod;
use pg_ha_core::PgError;
use std::time::Duration;

impl LocalPostgres {
    /// initdb (or the custom method), then start as primary with the roles created.
    pub(crate) async fn bootstrap_locked(&self) -> Result<String, PgError> {
        self.require_empty("bootstrap")?;
        create_data_dir(&self.paths.data_dir, &self.run_as)?;
        let result = match self.create_cluster().await {
            Ok(()) => self.finish_bootstrap().await,
            Err(e) => Err(e),
        };
        if let Err(e) = &result {
            tracing::error!("bootstrap failed: {e}");
            let _ = self.stop_locked(Shutdown::Immediate).await;
            if let Err(aside) = self.set_aside("failed-bootstrap") {
                tracing::warn!("{aside}; removing what the failed bootstrap created instead");
                clear_dir(&self.paths.data_dir)?;
            }
        }
        result
    }

    /// Refuses to create a cluster over existing data.
    pub(crate) fn require_empty(&self, what: &str) -> Result<(), PgError> {
        if self.paths.is_empty() {
            return Ok(());
        }
        Err(PgError::InvalidState(format!(
            "{what} needs an empty data directory, but {} is not empty",
            self.paths.data_dir.display()
        )))
    }

    /// Renames the data directory to `<data_dir>.<tag>-<unix time>`; returns the new path.
    pub(crate) fn set_aside(&self, tag: &str) -> Result<std::path::PathBuf, PgError> {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let aside = self.paths.sibling(&format!("{tag}-{secs}"));
        std::fs::rename(&self.paths.data_dir, &aside)
            .map_err(|e| io_error("cannot move aside", &self.paths.data_dir, e))?;
        tracing::warn!(to = %aside.display(), "moved the data directory aside");
        self.remember_sysid(None);
        Ok(aside)
    }

    async fn create_cluster(&self) -> Result<(), PgError> {
        match &self.settings.bootstrap_method {
            BootstrapMethod::Initdb => {
                initdb(
                    &self.settings.program("initdb"),
                    &self.paths.data_dir,
                    &self.settings.superuser,
                    &self.settings.initdb,
                    &self.run_as,
                )
                .await
            }
            BootstrapMethod::Custom {
                command,
                no_params,
                keep_existing_recovery_conf,
                recovery_conf,
            } => {
                self.custom_bootstrap(command, *no_params, *keep_existing_recovery_conf)
                    .await?;
                let recovers = !recovery_conf.is_empty()
                    || (*keep_existing_recovery_conf && self.paths.recovery_signal().exists());
                if recovers {
                    self.conf_state().archive_recovery = Some(recovery_conf.clone());
                }
                Ok(())
            }
        }
    }

    async fn custom_bootstrap(
        &self,
        command: &str,
        no_params: bool,
        keep: bool,
    ) -> Result<(), PgError> {
        let mut tool = Tool::from_command_line(command)
            .ok_or_else(|| PgError::Setup("bootstrap.method has an empty command".into()))?;
        if !no_params {
            tool = tool
                .arg(format!("--scope={}", self.settings.scope))
                .arg(format!("--datadir={}", self.paths.data_dir.display()));
        }
        tracing::info!(command = %tool.describe(), "running the custom bootstrap method");
        tool.run(&self.run_as).await?;
        if !self.paths.is_initialized() {
            return Err(command_failed(
                "bootstrap",
                "the custom method left no cluster in the data directory",
            ));
        }
        if !keep {
            remove_if_exists(&self.paths.standby_signal())?;
            remove_if_exists(&self.paths.recovery_signal())?;
        }
        Ok(())
    }

    async fn finish_bootstrap(&self) -> Result<String, PgError> {
        let archive_recovery = self.conf_state().archive_recovery.is_some();
        self.start_locked(None).await?;
        if archive_recovery {
            tracing::info!("recovering from the archive before the bootstrap goes on");
            let recovered = self
                .wait_out_of_recovery(self.settings.pg_ctl_timeout)
                .await;
            self.conf_state().archive_recovery = None;
            recovered?;
            self.write_config()?;
        }
        let client = self.connect_local().await?;
        create_roles(
            &client,
            &self.settings.superuser,
            &self.settings.replication,
            self.settings.rewind.as_ref(),
            self.settings.status_timeout.max(Duration::from_secs(10)),
        )
        .await?;
        self.post_bootstrap().await?;
        let sysid = self.controldata().await?.sysid;
        self.remember_sysid(Some(sysid.clone()));
        tracing::info!(%sysid, "bootstrapped a new cluster");
        self.callbacks.fire(CallbackAction::OnStart, "primary");
        Ok(sysid)
    }

    async fn post_bootstrap(&self) -> Result<(), PgError> {
        let Some(script) = self.settings.post_bootstrap.as_deref() else {
            return Ok(());
        };
        let Some(tool) = Tool::from_command_line(script) else {
            return Ok(());
        };
        let url = format!(
            "postgres://{}@{}:{}/postgres",
            self.settings.superuser.username,
            self.listen.local_host(),
            self.listen.port
        );
        tool.arg(url)
            .password(self.settings.superuser.password.as_deref())
            .run(&self.run_as)
            .await
            .map(|_| ())
    }

    /// Polls until the server is out of recovery, at most `timeout`.
    pub(crate) async fn wait_out_of_recovery(&self, timeout: Duration) -> Result<(), PgError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let in_recovery = match self.connect_local().await {
                Ok(c) => bounded(
                    self.settings.status_timeout,
                    c.query_one("SELECT pg_catalog.pg_is_in_recovery()", &[]),
                )
                .await?
                .map_err(|e| sql_error("pg_is_in_recovery", e))?
                .try_get::<_, bool>(0)
                .map_err(|e| sql_error("pg_is_in_recovery", e))?,
                Err(_) => true,
            };
            if !in_recovery {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(PgError::InvalidState(format!(
                    "still in recovery after {timeout:?}"
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
