//! `synchronous_standby_names` (FIRST n / ANY n) in the managed configuration, applied by a
//! reload. It is not set with ALTER SYSTEM, because `postgresql.auto.conf` travels to
//! replicas with pg_basebackup and pg_rewind.

use super::client::{bounded, sql_error};
use super::local::LocalPostgres;
use pg_ha_core::postgres::SyncStandbyNames;
use pg_ha_core::PgError;
use std::time::Duration;

/// How long to wait for a reload to take effect.
const APPLY_WAIT: Duration = Duration::from_secs(2);

impl LocalPostgres {
    /// Writes the setting and reloads; returns when the server reports the new value.
    pub(crate) async fn set_sync_locked(&self, names: &SyncStandbyNames) -> Result<(), PgError> {
        let guc = names.to_guc();
        {
            let mut state = self.conf_state();
            if state.sync_names == guc {
                return Ok(());
            }
            state.sync_names = guc.clone();
        }
        tracing::info!(synchronous_standby_names = %guc, "setting synchronous_standby_names");
        self.write_config()?;
        if self.postmaster.pid().is_none() {
            return Ok(());
        }
        self.signal_reload()?;
        self.wait_for_setting("synchronous_standby_names", &guc)
            .await
    }

    /// Polls `SHOW name` until it equals `value`.
    pub(crate) async fn wait_for_setting(&self, name: &str, value: &str) -> Result<(), PgError> {
        let client = self.connect_local().await?;
        let deadline = tokio::time::Instant::now() + APPLY_WAIT;
        loop {
            let current: String = bounded(
                self.settings.status_timeout,
                client.query_one("SELECT pg_catalog.current_setting($1)", &[&name]),
            )
            .await?
            .and_then(|r| r.try_get(0))
            .map_err(|e| sql_error("current_setting", e))?;
            if current == value {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(PgError::InvalidState(format!(
                    "{name} is still {current:?} after a reload, expected {value:?}"
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
