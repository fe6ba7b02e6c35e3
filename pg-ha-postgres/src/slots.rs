//! Replication slots on the local server: the slot list in the status query, and the
//! creation and removal that `decide()` asks for (`Action::CreateSlots` / `DropSlots`).

use super::client::{bounded, connect, sql_error};
use super::local::LocalPostgres;
use pg_ha_core::postgres::{ExistingSlot, SlotKind, SlotSpec};
use pg_ha_core::{Lsn, PgError};
use serde::Deserialize;
use tokio_postgres::Client;

/// One row of the status query's slot column (`pg_replication_slots` as JSON).
#[derive(Debug, Deserialize)]
struct SlotRow {
    name: String,
    #[serde(rename = "type")]
    slot_type: String,
    database: Option<String>,
    plugin: Option<String>,
    active: bool,
    #[serde(default)]
    lsn: Option<String>,
}

/// Parses the status query's slot column (`NULL` when there is no slot).
pub(crate) fn parse_slots(json: Option<&str>) -> Vec<ExistingSlot> {
    let Some(text) = json else {
        return Vec::new();
    };
    let rows: Vec<SlotRow> = match serde_json::from_str(text) {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!("cannot parse pg_replication_slots rows: {e}");
            return Vec::new();
        }
    };
    rows.into_iter()
        .map(|row| ExistingSlot {
            kind: match row.slot_type.as_str() {
                "logical" => SlotKind::Logical {
                    database: row.database.unwrap_or_default(),
                    plugin: row.plugin.unwrap_or_default(),
                },
                _ => SlotKind::Physical,
            },
            name: row.name,
            active: row.active,
            position: row.lsn.as_deref().and_then(Lsn::parse_pg),
        })
        .collect()
}

impl LocalPostgres {
    /// Creates the slots that do not exist yet (physical ones reserve WAL at once).
    pub(crate) async fn create_slots_locked(&self, slots: &[SlotSpec]) -> Result<(), PgError> {
        let client = self.connect_local().await?;
        let have = self.slot_names(&client).await?;
        let mut created = Vec::new();
        for slot in slots.iter().filter(|s| !have.contains(&s.name)) {
            match &slot.kind {
                SlotKind::Physical => {
                    const CREATE: &str =
                        "SELECT pg_catalog.pg_create_physical_replication_slot($1, true)";
                    self.run_slot_sql(&client, CREATE, &slot.name).await?;
                }
                SlotKind::Logical { database, plugin } => {
                    self.create_logical(&slot.name, database, plugin).await?
                }
            }
            created.push(slot.name.as_str());
        }
        if !created.is_empty() {
            tracing::info!(?created, "replication slots created");
        }
        Ok(())
    }

    /// Drops the named slots that exist.
    pub(crate) async fn drop_slots_locked(&self, names: &[String]) -> Result<(), PgError> {
        const DROP: &str = "SELECT pg_catalog.pg_drop_replication_slot($1)";
        let client = self.connect_local().await?;
        let have = self.slot_names(&client).await?;
        let mut dropped = Vec::new();
        for name in names.iter().filter(|n| have.contains(n)) {
            self.run_slot_sql(&client, DROP, name).await?;
            dropped.push(name.as_str());
        }
        if !dropped.is_empty() {
            tracing::info!(?dropped, "replication slots dropped");
        }
        Ok(())
    }

    async fn slot_names(&self, client: &Client) -> Result<Vec<String>, PgError> {
        let rows = bounded(
            self.settings.status_timeout,
            client.query(
                "SELECT slot_name::text FROM pg_catalog.pg_replication_slots",
                &[],
            ),
        )
        .await?
        .map_err(|e| sql_error("pg_replication_slots", e))?;
        rows.iter()
            .map(|r| {
                r.try_get(0)
                    .map_err(|e| sql_error("pg_replication_slots", e))
            })
            .collect()
    }

    async fn run_slot_sql(&self, client: &Client, sql: &str, name: &str) -> Result<(), PgError> {
        bounded(
            self.settings
                .status_timeout
                .max(std::time::Duration::from_secs(5)),
            client.execute(sql, &[&name]),
        )
        .await?
        .map_err(|e| sql_error(&format!("slot {name}"), e))
        .map(|_| ())
    }

    async fn create_logical(
        &self,
        name: &str,
        database: &str,
        plugin: &str,
    ) -> Result<(), PgError> {
        let target = self.local_target().database(database);
        let client = connect(&target, self.settings.status_timeout).await?;
        bounded(
            self.settings.pg_ctl_timeout,
            client.execute(
                "SELECT pg_catalog.pg_create_logical_replication_slot($1, $2)",
                &[&name, &plugin],
            ),
        )
        .await?
        .map_err(|e| sql_error(&format!("logical slot {name}"), e))
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_rows_parse_into_kinds() {
        let json = r#"[{"name":"cdc","type":"logical","database":"app","plugin":"pgoutput","active":false},
            {"name":"node2","type":"physical","database":null,"plugin":null,"active":true}]"#;
        let slots = parse_slots(Some(json));
        assert_eq!(
            slots[0].kind,
            SlotKind::Logical {
                database: "app".into(),
                plugin: "pgoutput".into()
            }
        );
        assert_eq!(slots[1].kind, SlotKind::Physical);
        assert!(slots[1].active);
        assert!(parse_slots(None).is_empty());
        assert!(parse_slots(Some("not json")).is_empty());
    }
}
