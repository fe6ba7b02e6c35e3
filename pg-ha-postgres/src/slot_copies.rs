//! Logical slots on a standby (Patroni 2.1+): the leader's slot state files
//! (`pg_replslot/<name>/state`, read with `pg_read_binary_file` as the rewind user) written
//! (after a CHECKPOINT there, so that the files are current) into the stopped standby, which loads them when it starts again; then
//! `pg_replication_slot_advance` keeps the copies at the leader's positions.

use super::client::{bounded, connect, sql_error, ConnTarget};
use super::clone::endpoint;
use super::files::{create_data_dir, write_owned_bytes};
use super::local::LocalPostgres;
use pg_ha_core::postgres::Upstream;
use pg_ha_core::{Lsn, PgError};

/// The state files of the leader's logical slots of these names.
const READ_STATES: &str = "SELECT slot_name::text, \
    pg_catalog.pg_read_binary_file('pg_replslot/' || slot_name || '/state') \
    FROM pg_catalog.pg_replication_slots \
    WHERE slot_type = 'logical' AND slot_name::text = ANY($1)";

/// PostgreSQL's slot name rule: lower-case letters, digits and underscores.
fn valid_slot_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl LocalPostgres {
    /// Copies the named logical slots of `source` and restarts the standby to load them.
    pub(crate) async fn copy_logical_slots_locked(
        &self,
        source: &Upstream,
        names: &[String],
    ) -> Result<(), PgError> {
        let states = self.read_slot_states(source, names).await?;
        if states.is_empty() {
            return Err(PgError::InvalidState(format!(
                "{} has none of the logical slots {names:?}",
                source.name
            )));
        }
        let copied: Vec<&str> = states.iter().map(|(n, _)| n.as_str()).collect();
        self.restart_with(|| self.write_slot_states(&states))
            .await?;
        tracing::info!(?copied, from = %source.name, "logical slots copied to this standby");
        Ok(())
    }

    async fn read_slot_states(
        &self,
        source: &Upstream,
        names: &[String],
    ) -> Result<Vec<(String, Vec<u8>)>, PgError> {
        let ep = endpoint(source)?;
        // The state files on disk are as of the last checkpoint.
        if let Err(e) = self.checkpoint_source(&ep).await {
            tracing::warn!("{e}");
        }
        let target = ConnTarget::new(&ep, self.settings.rewind_credentials());
        let client = connect(&target, self.settings.status_timeout).await?;
        let rows = bounded(
            self.settings.pg_ctl_timeout,
            client.query(READ_STATES, &[&names]),
        )
        .await?
        .map_err(|e| sql_error("reading the leader's slot state files", e))?;
        let mut states = Vec::new();
        for row in rows {
            let name: String = row.try_get(0).map_err(|e| sql_error("slot name", e))?;
            let state: Option<Vec<u8>> = row.try_get(1).map_err(|e| sql_error("slot state", e))?;
            match state {
                Some(state) if valid_slot_name(&name) => states.push((name, state)),
                _ => tracing::warn!(slot = %name, "the leader's slot state is unusable; skipped"),
            }
        }
        Ok(states)
    }

    /// Writes `pg_replslot/<name>/state` for each slot (PostgreSQL is stopped).
    fn write_slot_states(&self, states: &[(String, Vec<u8>)]) -> Result<(), PgError> {
        for (name, state) in states {
            let dir = self.paths.pg_replslot().join(name);
            create_data_dir(&dir, &self.run_as)?;
            write_owned_bytes(&dir.join("state"), state, &self.run_as)?;
        }
        Ok(())
    }

    /// Advances the standby's copies; a copy PostgreSQL refuses to advance (its WAL is gone,
    /// say) is dropped so that the next cycle copies it again.
    pub(crate) async fn advance_slots_locked(
        &self,
        slots: &[(String, Lsn)],
    ) -> Result<(), PgError> {
        let mut failed = Vec::new();
        for (name, lsn) in slots {
            if let Err(e) = self.advance_slot(name, *lsn).await {
                tracing::warn!(slot = %name, "cannot advance the slot copy: {e}");
                if matches!(e, PgError::CommandFailed { .. }) {
                    self.drop_slots_locked(std::slice::from_ref(name)).await?;
                }
                failed.push(format!("{name}: {e}"));
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(PgError::CommandFailed {
                command: "pg_replication_slot_advance".into(),
                reason: failed.join("; "),
            })
        }
    }

    /// Advances one slot: a logical one in its database, a physical one (a member slot kept
    /// on a standby) on the local connection. A slot that no longer exists is left alone.
    async fn advance_slot(&self, name: &str, lsn: Lsn) -> Result<(), PgError> {
        let local = self.connect_local().await?;
        let row = bounded(
            self.settings.status_timeout,
            local.query_opt(
                "SELECT database::text FROM pg_catalog.pg_replication_slots WHERE slot_name = $1",
                &[&name],
            ),
        )
        .await?
        .map_err(|e| sql_error("pg_replication_slots", e))?;
        let Some(row) = row else {
            return Ok(());
        };
        let client = match row.get::<_, Option<String>>(0) {
            Some(database) => {
                connect(
                    &self.local_target().database(&database),
                    self.settings.status_timeout,
                )
                .await?
            }
            None => local,
        };
        bounded(
            self.settings.pg_ctl_timeout,
            client.execute(
                "SELECT pg_catalog.pg_replication_slot_advance($1, $2::text::pg_lsn)",
                &[&name, &lsn.to_string()],
            ),
        )
        .await?
        .map_err(|e| sql_error(&format!("advancing slot {name}"), e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_postgresql_slot_names_become_paths() {
        assert!(valid_slot_name("cdc_1"));
        assert!(!valid_slot_name("../x"));
        assert!(!valid_slot_name("Cdc"));
        assert!(!valid_slot_name(""));
    }
}
