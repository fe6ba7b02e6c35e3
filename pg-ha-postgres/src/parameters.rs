//! Applying the dynamic configuration: the merged parameters, `pg_hba` and `pg_ident` are
//! written to the managed files and a running server is reloaded. The server itself tells
//! which changes wait for a restart (`pg_settings.pending_restart`, read by the status query).

use super::client::{bounded, sql_error};
use super::local::LocalPostgres;
use pg_ha_core::config::{PostgresqlDynamic, ServerConfig};
use pg_ha_core::PgError;
use std::time::Duration;

/// How long a reload may take to be confirmed.
const RELOAD_WAIT: Duration = Duration::from_secs(2);

impl LocalPostgres {
    /// Merges `dynamic` with the node's own section and, when the result changed, rewrites
    /// the files of an initialised data directory and reloads a running server. Called with
    /// the operation lock held.
    pub(crate) async fn apply_config_locked(
        &self,
        dynamic: &PostgresqlDynamic,
    ) -> Result<(), PgError> {
        let local = self.applied().local.clone();
        let (config, warnings) = ServerConfig::effective(dynamic, &local);
        for warning in &warnings {
            tracing::warn!("{warning}");
        }
        let remove = self.settings.remove_data_directory_on_rewind_failure
            || dynamic.remove_data_directory_on_rewind_failure;
        let slots_changed = {
            let mut applied = self.applied();
            applied.remove_on_rewind_failure = remove;
            std::mem::replace(&mut applied.use_slots, dynamic.use_slots) != dynamic.use_slots
        };
        if !(self.adopt_server_config(config) | (slots_changed && self.follow_slot())) {
            return Ok(());
        }
        if !self.paths.is_initialized() {
            return Ok(());
        }
        if self.postmaster.pid().is_none() {
            return self.write_config();
        }
        self.reload_and_wait().await?;
        let pending = self.pending_restart().await?;
        if !pending.is_empty() {
            tracing::warn!(
                "changed parameters wait for a restart: {}",
                pending.join(", ")
            );
        }
        Ok(())
    }

    /// Takes `config` as the state to render; true when anything changed.
    fn adopt_server_config(&self, config: ServerConfig) -> bool {
        let mut changed = false;
        {
            let mut state = self.conf_state();
            if state.parameters != config.parameters {
                state.parameters = config.parameters;
                changed = true;
            }
            if state.recovery_params != config.recovery_conf {
                state.recovery_params = config.recovery_conf;
                changed |= state.recovery.is_some();
            }
        }
        let mut applied = self.applied();
        if applied.pg_hba != config.pg_hba || applied.pg_ident != config.pg_ident {
            applied.pg_hba = config.pg_hba;
            applied.pg_ident = config.pg_ident;
            changed = true;
        }
        changed
    }

    /// On a standby, names (or stops naming) its slot in `primary_slot_name` as `use_slots`
    /// now says; true when that changed the recovery settings.
    fn follow_slot(&self) -> bool {
        let mut state = self.conf_state();
        let Some(recovery) = state.recovery.as_ref() else {
            return false;
        };
        let wanted = self.recovery_for(recovery.upstream.as_ref());
        let changed = state.recovery.as_ref() != Some(&wanted);
        state.recovery = Some(wanted);
        changed
    }

    /// The parameters changed in the files that take effect only after a restart.
    pub async fn pending_restart(&self) -> Result<Vec<String>, PgError> {
        let client = self.connect_local().await?;
        let rows = bounded(
            self.settings.status_timeout,
            client.query(
                "SELECT name FROM pg_catalog.pg_settings WHERE pending_restart ORDER BY name",
                &[],
            ),
        )
        .await?
        .map_err(|e| sql_error("pg_settings", e))?;
        rows.iter()
            .map(|r| r.try_get(0).map_err(|e| sql_error("pg_settings", e)))
            .collect()
    }

    /// `pg_conf_load_time()` as seen by a new session (which inherits the postmaster's).
    async fn conf_load_time(&self) -> Result<String, PgError> {
        let client = self.connect_local().await?;
        bounded(
            self.settings.status_timeout,
            client.query_one("SELECT pg_catalog.pg_conf_load_time()::text", &[]),
        )
        .await?
        .and_then(|r| r.try_get(0))
        .map_err(|e| sql_error("pg_conf_load_time", e))
    }

    /// Rewrites the files, reloads and waits (at most 2 s) until the postmaster has re-read
    /// them.
    async fn reload_and_wait(&self) -> Result<(), PgError> {
        let before = self.conf_load_time().await?;
        self.reload_locked()?;
        let deadline = tokio::time::Instant::now() + RELOAD_WAIT;
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if self.conf_load_time().await? != before {
                return Ok(());
            }
        }
        tracing::warn!("the reload was not confirmed within {RELOAD_WAIT:?}");
        Ok(())
    }
}
