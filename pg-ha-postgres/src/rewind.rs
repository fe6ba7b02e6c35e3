//! pg_rewind from the new primary after a timeline divergence. A crashed old primary first
//! gets single-user crash recovery. pg_rewind copies the source's configuration files
//! (including `postgresql.auto.conf`), so the recovery settings are written again
//! afterwards. When it fails and `remove_data_directory_on_rewind_failure` allows, the data
//! directory is cloned again (reinit).

use super::client::{connect, execute};
use super::clone::endpoint;
use super::command::Tool;
use super::conninfo::{conninfo, Endpoint};
use super::files::clear_subdirs;
use super::local::LocalPostgres;
use pg_ha_core::postgres::Upstream;
use pg_ha_core::PgError;
use std::time::Duration;

impl LocalPostgres {
    /// Rewinds the stopped data directory from `source`, falling back to reinit when allowed.
    pub(crate) async fn rewind_locked(&self, source: &Upstream) -> Result<(), PgError> {
        self.adopt_running();
        if self.postmaster.pid().is_some() {
            return Err(PgError::InvalidState(
                "stop PostgreSQL before pg_rewind".into(),
            ));
        }
        if !self.paths.is_initialized() {
            return Err(PgError::InvalidState("no cluster to rewind".into()));
        }
        self.reap_orphans().await;
        let err = match self.try_rewind(source).await {
            Ok(()) => return Ok(()),
            // The source is gone: nothing was tried, so nothing to fall back from.
            Err(e @ PgError::Unreachable(_)) => return Err(e),
            Err(e) => e,
        };
        if !self.applied().remove_on_rewind_failure {
            tracing::error!("pg_rewind failed: {err}");
            return Err(err);
        }
        tracing::warn!("pg_rewind failed ({err}); re-cloning from {}", source.name);
        self.reinit_locked(source)
            .await
            .map_err(|e| PgError::CommandFailed {
                command: "pg_rewind".into(),
                reason: format!("{err}; the reinit fallback failed too: {e}"),
            })
    }

    async fn try_rewind(&self, source: &Upstream) -> Result<(), PgError> {
        let cd = self.controldata().await?;
        if !cd.wal_log_hints && !cd.checksums {
            return Err(PgError::InvalidState(
                "pg_rewind needs wal_log_hints=on or data checksums, and this cluster has neither"
                    .into(),
            ));
        }
        self.ensure_clean_shutdown().await?;
        let ep = endpoint(source)?;
        self.checkpoint_source(&ep).await?;
        self.run_pg_rewind(&ep).await?;
        self.after_rewind(source)
    }

    /// A CHECKPOINT on a freshly promoted source makes its control file show the new
    /// timeline, which pg_rewind reads (and writes its slots' state files, which slot copies
    /// read). The CHECKPOINT is best effort; a source that cannot be reached at all is
    /// `Unreachable` (as Patroni, a rewind that fails because the primary became unreachable
    /// is not counted as a failed rewind: it is tried again).
    pub(crate) async fn checkpoint_source(&self, ep: &Endpoint) -> Result<(), PgError> {
        let target = super::client::ConnTarget::new(ep, &self.settings.superuser);
        let timeout = Duration::from_secs(30);
        let client = connect(
            &target,
            self.settings.status_timeout.max(Duration::from_secs(5)),
        )
        .await
        .map_err(|e| {
            PgError::Unreachable(format!("the rewind source {}:{}: {e}", ep.host, ep.port))
        })?;
        if let Err(e) = execute(&client, "CHECKPOINT", timeout).await {
            tracing::warn!("could not run CHECKPOINT on the rewind source: {e}");
        }
        Ok(())
    }

    async fn run_pg_rewind(&self, ep: &Endpoint) -> Result<(), PgError> {
        let creds = self.settings.rewind_credentials();
        let port = ep.port.to_string();
        let source = conninfo(&creds.with_options(&[
            ("host", ep.host.as_str()),
            ("port", port.as_str()),
            ("user", creds.username.as_str()),
            ("dbname", "postgres"),
            ("connect_timeout", "5"),
        ]));
        let mut tool = Tool::new(self.binary("pg_rewind"))
            .arg("--target-pgdata")
            .arg(&self.paths.data_dir)
            .arg(format!("--source-server={source}"))
            .password(creds.password.as_deref());
        for opt in &self.settings.rewind_options {
            tool = tool.arg(opt.to_arg());
        }
        tracing::info!(source = %format!("{}:{}", ep.host, ep.port), "running pg_rewind");
        let out = tool.run(&self.run_as).await?;
        for line in out.stdout.lines().chain(out.stderr.lines()) {
            tracing::info!(target: "pg_rewind", "{line}");
        }
        Ok(())
    }

    fn after_rewind(&self, source: &Upstream) -> Result<(), PgError> {
        clear_subdirs(&self.paths.pg_replslot())?;
        self.remember_sysid(None);
        self.configure(Some(self.recovery_for(Some(source))))
    }
}
