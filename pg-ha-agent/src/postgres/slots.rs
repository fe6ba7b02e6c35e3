//! Replication slots on the primary: a physical slot for every other member when `use_slots`
//! is on, plus the permanent slots of the dynamic config; physical slots of removed members
//! are dropped.

use super::client::{bounded, connect, sql_error};
use super::local::LocalPostgres;
use super::settings::PermanentSlot;
use super::slot_name::slot_name;
use pg_ha_core::PgError;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;
use tokio_postgres::Client;

/// What a slot sync changed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SlotChanges {
    /// Slots created.
    pub created: Vec<String>,
    /// Slots dropped.
    pub dropped: Vec<String>,
}

/// One row of `pg_replication_slots`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingSlot {
    /// `slot_type`: `physical` or `logical`.
    pub slot_type: String,
    /// True while a walsender uses it.
    pub active: bool,
}

impl LocalPostgres {
    /// The slots on the server by name.
    pub async fn replication_slots(&self) -> Result<BTreeMap<String, ExistingSlot>, PgError> {
        let client = self.connect_local().await?;
        existing(&client, self.settings.status_timeout).await
    }

    /// Makes the slots match `members` (all member names of the cluster; this node's own is
    /// skipped) and `permanent`. Only on a running primary; a standby is left alone.
    pub async fn sync_replication_slots(
        &self,
        members: &[String],
        permanent: &[PermanentSlot],
    ) -> Result<SlotChanges, PgError> {
        let _op = self.ops.lock().await;
        let client = self.connect_local().await?;
        let timeout = self.settings.status_timeout;
        let in_recovery: bool = bounded(
            timeout,
            client.query_one("SELECT pg_catalog.pg_is_in_recovery()", &[]),
        )
        .await?
        .and_then(|r| r.try_get(0))
        .map_err(|e| sql_error("pg_is_in_recovery", e))?;
        if in_recovery {
            return Ok(SlotChanges::default());
        }
        let wanted = self.wanted_physical(members, permanent);
        let have = existing(&client, timeout).await?;
        let mut changes = SlotChanges::default();
        self.create_missing(&client, &wanted, permanent, &have, &mut changes)
            .await?;
        self.drop_unwanted(&client, &wanted, &have, &mut changes)
            .await?;
        if changes != SlotChanges::default() {
            tracing::info!(created = ?changes.created, dropped = ?changes.dropped, "replication slots synced");
        }
        Ok(changes)
    }

    pub(crate) async fn create_missing(
        &self,
        client: &Client,
        wanted: &BTreeSet<String>,
        permanent: &[PermanentSlot],
        have: &BTreeMap<String, ExistingSlot>,
        changes: &mut SlotChanges,
    ) -> Result<(), PgError> {
        const CREATE: &str = "SELECT pg_catalog.pg_create_physical_replication_slot($1, true)";
        for name in wanted.iter().filter(|n| !have.contains_key(*n)) {
            self.run_slot_sql(client, CREATE, name).await?;
            changes.created.push(name.clone());
        }
        for slot in permanent {
            let PermanentSlot::Logical {
                name,
                database,
                plugin,
            } = slot
            else {
                continue;
            };
            if !have.contains_key(name) {
                self.create_logical(name, database, plugin).await?;
                changes.created.push(name.clone());
            }
        }
        Ok(())
    }

    async fn drop_unwanted(
        &self,
        client: &Client,
        wanted: &BTreeSet<String>,
        have: &BTreeMap<String, ExistingSlot>,
        changes: &mut SlotChanges,
    ) -> Result<(), PgError> {
        const DROP: &str = "SELECT pg_catalog.pg_drop_replication_slot($1)";
        for (name, slot) in have {
            if slot.slot_type != "physical" || wanted.contains(name) {
                continue;
            }
            if slot.active {
                tracing::warn!(slot = %name, "not dropping an active replication slot");
                continue;
            }
            self.run_slot_sql(client, DROP, name).await?;
            changes.dropped.push(name.clone());
        }
        Ok(())
    }

    pub(crate) fn wanted_physical(
        &self,
        members: &[String],
        permanent: &[PermanentSlot],
    ) -> BTreeSet<String> {
        let mut wanted = BTreeSet::new();
        if self.use_slots.load(Ordering::SeqCst) {
            let me = slot_name(&self.settings.name);
            wanted.extend(members.iter().map(|m| slot_name(m)).filter(|s| *s != me));
        }
        wanted.extend(
            permanent
                .iter()
                .filter(|s| matches!(s, PermanentSlot::Physical { .. }))
                .map(|s| s.name().to_string()),
        );
        wanted
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
        let timeout = self.settings.pg_ctl_timeout;
        bounded(
            timeout,
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

pub(crate) async fn existing(
    client: &Client,
    timeout: std::time::Duration,
) -> Result<BTreeMap<String, ExistingSlot>, PgError> {
    let rows = bounded(
        timeout,
        client.query(
            "SELECT slot_name::text, slot_type, active FROM pg_catalog.pg_replication_slots",
            &[],
        ),
    )
    .await?
    .map_err(|e| sql_error("pg_replication_slots", e))?;
    let mut out = BTreeMap::new();
    for row in rows {
        let name: String = row
            .try_get(0)
            .map_err(|e| sql_error("pg_replication_slots", e))?;
        let slot = ExistingSlot {
            slot_type: row
                .try_get(1)
                .map_err(|e| sql_error("pg_replication_slots", e))?,
            active: row
                .try_get(2)
                .map_err(|e| sql_error("pg_replication_slots", e))?,
        };
        out.insert(name, slot);
    }
    Ok(out)
}
