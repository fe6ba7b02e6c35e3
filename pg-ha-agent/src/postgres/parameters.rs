//! Changing parameters and pg_hba at run time: rewrite the managed files and reload. The
//! server itself tells which changes need a restart (`pg_settings.pending_restart`).

use super::client::{bounded, sql_error};
use super::local::LocalPostgres;
use pg_ha_core::PgError;
use std::collections::BTreeMap;
use std::time::Duration;

/// How long a reload may take to be confirmed.
const RELOAD_WAIT: Duration = Duration::from_secs(2);

impl LocalPostgres {
    /// Replaces the PostgreSQL parameters and reloads a running server. Returns the names of
    /// the parameters that wait for a restart (empty when stopped).
    pub async fn set_parameters(
        &self,
        parameters: BTreeMap<String, String>,
    ) -> Result<Vec<String>, PgError> {
        let _op = self.ops.lock().await;
        self.conf_state().parameters = parameters;
        self.write_config()?;
        if self.postmaster.pid().is_none() {
            return Ok(Vec::new());
        }
        self.reload_and_wait().await?;
        self.pending_restart().await
    }

    /// Replaces the pg_hba lines and reloads a running server.
    pub async fn set_pg_hba(&self, lines: Vec<String>) -> Result<(), PgError> {
        let _op = self.ops.lock().await;
        *self.hba.lock().unwrap_or_else(|e| e.into_inner()) = lines;
        self.write_config()?;
        if self.postmaster.pid().is_some() {
            self.reload_locked()?;
        }
        Ok(())
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

    /// Reloads and waits (at most 2 s) until the postmaster has re-read its files.
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
