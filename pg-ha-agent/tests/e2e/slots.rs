//! Replication slots through the dynamic config: a permanent slot from `PATCH /config` is
//! created on the primary, a foreign slot an `ignore_slots` rule matches survives, and a
//! foreign slot nobody declared is dropped (as on Patroni).

use crate::cluster::Cluster;
use crate::step;
use anyhow::{ensure, Result};
use serde_json::json;
use std::time::Duration;

async fn slot_names(c: &Cluster, primary: &str) -> Result<Vec<String>> {
    c.node(primary)
        .column("select slot_name::text from pg_replication_slots order by 1")
        .await
}

pub(crate) async fn permanent_and_ignored_slots(c: &Cluster, primary: &str) -> Result<()> {
    let p = c.node(primary);
    step("slots: foreign slots backup_tool and stray on the primary");
    p.execute(
        "select pg_create_physical_replication_slot('backup_tool'); \
         select pg_create_physical_replication_slot('stray')",
    )
    .await?;
    step("slots: PATCH /config with a permanent slot and an ignore_slots rule");
    let patch = json!({
        "slots": {"archiver": {"type": "physical"}},
        "ignore_slots": [{"name": "backup_tool", "type": "physical"}],
    });
    let (status, body) = p.rest_json("PATCH", "/config", Some(&patch)).await?;
    ensure!(status == 200, "PATCH /config: {status} {body}");
    // The cycle that creates `archiver` also drops what nobody wants: once it exists, the
    // ignored slot must still be there and the stray one gone.
    c.wait_until(
        "archiver created and stray dropped",
        Duration::from_secs(30),
        || async {
            let names = slot_names(c, primary).await?;
            Ok(
                (names.contains(&"archiver".to_string()) && !names.contains(&"stray".to_string()))
                    .then_some(()),
            )
        },
    )
    .await?;
    let names = slot_names(c, primary).await?;
    ensure!(
        names.contains(&"backup_tool".to_string()),
        "the ignored slot was dropped: {names:?}"
    );
    for other in c.others(primary) {
        ensure!(
            names.contains(&other),
            "member slot {other} missing: {names:?}"
        );
    }
    Ok(())
}
