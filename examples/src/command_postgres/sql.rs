//! What goes over SQL: settings through `ALTER SYSTEM` and a reload, and slots.

use super::observe::SQL_TIMEOUT;
use super::CommandPostgres;
use pg_ha_core::postgres::{SlotKind, SlotSpec, Upstream};
use pg_ha_core::{Lsn, PgError};
use pg_ha_postgres::client::{literal, sql_error};
use pg_ha_postgres::conninfo::{conninfo, Endpoint};

impl CommandPostgres {
    /// Runs `statements` one at a time on a superuser session (each in its own
    /// transaction: `ALTER SYSTEM` refuses a transaction block).
    pub(super) async fn execute(&self, statements: &[String]) -> Result<(), PgError> {
        let client = self.session().await?;
        for sql in statements {
            tokio::time::timeout(SQL_TIMEOUT, client.batch_execute(sql))
                .await
                .map_err(|_| PgError::Unreachable(format!("no answer within 3 s: {sql}")))?
                .map_err(|e| sql_error(sql, e))?;
        }
        Ok(())
    }

    /// Sets parameters with `ALTER SYSTEM` and reloads.
    pub(super) async fn alter_system(&self, settings: &[(String, String)]) -> Result<(), PgError> {
        let mut sql = Vec::new();
        for (name, value) in settings {
            if !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            {
                return Err(PgError::InvalidState(format!(
                    "not a parameter name: {name}"
                )));
            }
            sql.push(format!("ALTER SYSTEM SET {name} = {}", literal(value)));
        }
        sql.push("SELECT pg_catalog.pg_reload_conf()".to_string());
        self.execute(&sql).await
    }

    /// The `primary_conninfo` for streaming from `upstream` (empty for none).
    pub(super) fn primary_conninfo(&self, upstream: Option<&Upstream>) -> Result<String, PgError> {
        match upstream {
            None => Ok(String::new()),
            Some(up) => self.source(up, &self.settings.replication, true),
        }
    }

    /// A libpq conninfo for `upstream` with `credentials` (`user=... password=...`).
    pub(super) fn source(
        &self,
        upstream: &Upstream,
        credentials: &str,
        streaming: bool,
    ) -> Result<String, PgError> {
        let endpoint = Endpoint::from_url(&upstream.conn_url).ok_or_else(|| {
            PgError::InvalidState(format!("no host in conn_url {}", upstream.conn_url))
        })?;
        let port = endpoint.port.to_string();
        let mut pairs = vec![("host", endpoint.host.as_str()), ("port", port.as_str())];
        if streaming {
            pairs.push(("application_name", self.settings.name.as_str()));
        } else {
            pairs.push(("dbname", "postgres"));
        }
        Ok(format!("{} {credentials}", conninfo(&pairs)))
    }

    pub(super) async fn create(&self, slots: &[SlotSpec]) -> Result<(), PgError> {
        let mut sql = Vec::new();
        for slot in slots {
            if slot.kind != SlotKind::Physical {
                return Err(PgError::InvalidState(format!(
                    "{}: this controller makes physical slots only",
                    slot.name
                )));
            }
            let name = literal(&slot.name);
            sql.push(format!(
                "SELECT pg_catalog.pg_create_physical_replication_slot({name}, true) \
                 WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots \
                 WHERE slot_name = {name})"
            ));
        }
        self.execute(&sql).await
    }

    pub(super) async fn drop(&self, names: &[String]) -> Result<(), PgError> {
        let sql: Vec<String> = names
            .iter()
            .map(|n| {
                format!(
                    "SELECT pg_catalog.pg_drop_replication_slot(slot_name) \
                     FROM pg_catalog.pg_replication_slots WHERE slot_name = {}",
                    literal(n)
                )
            })
            .collect();
        self.execute(&sql).await
    }

    /// Moves slots forward, never past what this server has (replayed or flushed).
    pub(super) async fn advance(&self, slots: &[(String, Lsn)]) -> Result<(), PgError> {
        let sql: Vec<String> = slots
            .iter()
            .map(|(name, lsn)| {
                format!(
                    "SELECT pg_catalog.pg_replication_slot_advance(slot_name, least({}::pg_lsn, \
                     CASE WHEN pg_catalog.pg_is_in_recovery() \
                     THEN pg_catalog.pg_last_wal_replay_lsn() \
                     ELSE pg_catalog.pg_current_wal_flush_lsn() END)) \
                     FROM pg_catalog.pg_replication_slots WHERE slot_name = {} \
                     AND restart_lsn IS NOT NULL AND restart_lsn < {0}::pg_lsn",
                    literal(&lsn.to_string()),
                    literal(name)
                )
            })
            .collect();
        self.execute(&sql).await
    }
}
