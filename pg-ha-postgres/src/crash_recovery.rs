//! Crash recovery in single-user mode, as Patroni does before pg_rewind on a data directory
//! that was not shut down cleanly: `postgres --single` replays the WAL and shuts down with a
//! checkpoint.

use super::command::Tool;
use super::files::remove_if_exists;
use super::local::LocalPostgres;
use pg_ha_core::PgError;

impl LocalPostgres {
    /// Runs single-user crash recovery unless the data directory is already clean or holds a
    /// `backup_label` (a fresh rewind or base backup that needs normal recovery).
    pub(crate) async fn ensure_clean_shutdown(&self) -> Result<(), PgError> {
        let cd = self.controldata().await?;
        if cd.state.is_clean() || self.paths.backup_label().exists() {
            return Ok(());
        }
        tracing::info!(state = ?cd.state, "running crash recovery in single-user mode");
        remove_if_exists(&self.paths.standby_signal())?;
        remove_if_exists(&self.paths.recovery_signal())?;
        Tool::new(self.binary("postgres"))
            .arg("--single")
            .args(self.paths.server_args())
            .arg("-c")
            .arg("archive_mode=on")
            .arg("-c")
            .arg("archive_command=false")
            .arg("template1")
            .timeout(self.settings.pg_ctl_timeout)
            .run(&self.run_as)
            .await?;
        let after = self.controldata().await?;
        if after.state.is_clean() {
            Ok(())
        } else {
            Err(PgError::CommandFailed {
                command: "postgres --single".into(),
                reason: format!("cluster state is still {:?}", after.state),
            })
        }
    }
}
