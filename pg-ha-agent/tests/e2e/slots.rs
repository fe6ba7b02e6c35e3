//! Replication slots through the dynamic config: a permanent slot from `PATCH /config` is
//! created on the primary, a foreign slot an `ignore_slots` rule matches survives, and a
//! foreign slot nobody declared is dropped (as on Patroni); a permanent logical slot's
//! consumer continues on the new primary after a failover.

use crate::cluster::Cluster;
use crate::replication::wait_replayed;
use crate::{step, BOOTSTRAP, FAILOVER, REJOIN};
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

/// The ids of `e2e_cdc` rows that a consumer of the logical slot `cdc` on `node` gets now
/// (test_decoding; consuming moves the slot on).
async fn consume(c: &Cluster, node: &str) -> Result<Vec<i64>> {
    let ids = c
        .node(node)
        .column(
            "select substring(data from 'id\\[bigint\\]:(\\d+)') \
             from pg_logical_slot_get_changes('cdc', NULL, NULL) \
             where data like 'table public.e2e_cdc: INSERT%'",
        )
        .await?;
    Ok(ids.iter().filter_map(|id| id.parse().ok()).collect())
}

/// The `confirmed_flush_lsn` of `cdc` on `node` as a number of bytes, if it has the slot.
async fn cdc_position(c: &Cluster, node: &str) -> Result<Option<i64>> {
    let rows = c
        .node(node)
        .column(
            "select (confirmed_flush_lsn - '0/0')::int8::text from pg_replication_slots \
             where slot_name = 'cdc'",
        )
        .await?;
    Ok(rows.first().and_then(|v| v.parse().ok()))
}

/// Waits until every node in `nodes` has a copy of `cdc` at `primary`'s position or beyond.
async fn wait_copies(c: &Cluster, primary: &str, nodes: &[String]) -> Result<()> {
    let wanted = cdc_position(c, primary).await?.unwrap_or(0);
    for node in nodes {
        let what = format!("{node}'s copy of cdc at {primary}'s position {wanted}");
        c.wait_until(&what, REJOIN, || async {
            Ok(cdc_position(c, node)
                .await
                .ok()
                .flatten()
                .filter(|p| *p >= wanted)
                .map(|_| ()))
        })
        .await?;
    }
    Ok(())
}

/// A permanent logical slot from `PATCH /config` is created on the primary and copied to
/// the replicas, whose copies follow the consumer; after a kill -9 of the primary's node the
/// consumer continues on the new primary exactly where it stopped (no change lost, none
/// repeated), and the old primary, once back, gets a copy from the new one.
pub(crate) async fn logical_consumer_continues_after_failover(c: &Cluster) -> Result<()> {
    let old = c.wait_streaming(2, BOOTSTRAP).await?;
    let p = c.node(&old);
    p.execute("create table e2e_cdc(id int8 primary key)")
        .await?;
    step("logical: PATCH /config with the permanent logical slot cdc (test_decoding)");
    let patch = json!({
        "slots": {"cdc": {"type": "logical", "database": "postgres", "plugin": "test_decoding"}},
    });
    let (status, body) = p.rest_json("PATCH", "/config", Some(&patch)).await?;
    ensure!(status == 200, "PATCH /config: {status} {body}");
    c.wait_until("cdc on the primary", FAILOVER, || async {
        Ok(cdc_position(c, &old).await?.map(|_| ()))
    })
    .await?;
    p.execute("insert into e2e_cdc select generate_series(1, 100)")
        .await?;
    let first = consume(c, &old).await?;
    ensure!(
        first == (1..=100).collect::<Vec<i64>>(),
        "the consumer got {first:?} on {old}"
    );
    step("logical: waiting for the replicas' copies to reach the consumer's position");
    wait_copies(c, &old, &c.others(&old)).await?;
    for replica in c.others(&old) {
        let feedback = c
            .node(&replica)
            .query_one("show hot_standby_feedback")
            .await?;
        ensure!(
            feedback == "on",
            "hot_standby_feedback on {replica}: {feedback}"
        );
    }
    p.execute("insert into e2e_cdc select generate_series(101, 150)")
        .await?;
    wait_replayed(c, &old, &c.others(&old)).await?;

    step(&format!("logical: kill -9 of {old}'s agent and PostgreSQL"));
    p.kill9_agent_and_pg();
    let new = c.wait_for_new_primary(&old, FAILOVER).await?;
    let after = consume(c, &new).await?;
    ensure!(
        after == (101..=150).collect::<Vec<i64>>(),
        "the consumer on the new primary {new} got {after:?}; expected exactly 101..=150"
    );
    c.node(&new)
        .execute("insert into e2e_cdc values (151)")
        .await?;
    let next = consume(c, &new).await?;
    ensure!(next == vec![151], "then got {next:?} on {new}");

    step(&format!(
        "logical: {old} rejoins and gets a copy from {new}"
    ));
    p.restart_agent()?;
    c.wait_replica_streaming(&old, REJOIN).await?;
    wait_copies(c, &new, std::slice::from_ref(&old)).await
}
