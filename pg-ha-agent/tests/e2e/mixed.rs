//! A mixed cluster, as during a migration from Patroni (docs/migrating-from-patroni.md):
//! `node1` runs Patroni 4.x, `node2` pg-ha, `node3` pg-ha tagged `nofailover` (a replica
//! that follows whichever of them leads). Leadership moves both ways by switchover and by
//! kill -9 failover, and every row the surviving node had replayed is on the new primary.

use crate::cluster::Cluster;
use crate::replication::wait_replayed;
use crate::{step, BOOTSTRAP, FAILOVER, REJOIN};
use anyhow::{ensure, Context, Result};
use serde_json::json;
use std::time::Instant;

/// The Patroni node and the pg-ha node that may lead.
const PATRONI: &str = "node1";
const PG_HA: &str = "node2";

/// The whole scenario: a switchover each way, then a kill -9 failover each way.
pub(crate) async fn leadership_moves_both_ways(c: &Cluster) -> Result<()> {
    let first = c.wait_streaming(2, BOOTSTRAP).await?;
    ensure!(
        first == PATRONI || first == PG_HA,
        "the nofailover node {first} leads"
    );
    step(&format!(
        "mixed: {first} bootstrapped, both replicas stream"
    ));
    c.node(&first)
        .execute("create table mixed_rows(id serial primary key, note text)")
        .await?;
    let other = if first == PATRONI { PG_HA } else { PATRONI };
    switchover(c, &first, other).await?;
    switchover(c, other, &first).await?;
    // Patroni leads for the first failover, pg-ha for the second.
    if first != PATRONI {
        switchover(c, &first, PATRONI).await?;
    }
    failover(c, PATRONI, PG_HA).await?;
    failover(c, PG_HA, PATRONI).await
}

/// Inserts a batch on `primary` and waits until every other node replayed it; returns the
/// number of rows now in the table.
async fn replicated_batch(c: &Cluster, primary: &str, note: &str) -> Result<i64> {
    let node = c.node(primary);
    node.execute(&format!(
        "insert into mixed_rows(note) select '{note}' from generate_series(1, 50)"
    ))
    .await?;
    wait_replayed(c, primary, &c.others(primary)).await?;
    rows(c, primary).await
}

async fn rows(c: &Cluster, node: &str) -> Result<i64> {
    c.node(node)
        .query_one("select count(*) from mixed_rows")
        .await?
        .parse()
        .context("row count")
}

/// A switchover from `from` to `to` through the leader's own REST API (Patroni's or
/// pg-ha's); the old leader rejoins as a streaming replica and no row is lost.
async fn switchover(c: &Cluster, from: &str, to: &str) -> Result<()> {
    let before = replicated_batch(c, from, &format!("before {from} -> {to}")).await?;
    step(&format!("mixed: switchover {from} -> {to}"));
    let started = Instant::now();
    let body = json!({"leader": from, "candidate": to}).to_string();
    let (status, answer) = c
        .node(from)
        .rest("POST", "/switchover", Some(&body))
        .await?;
    ensure!(
        status == 200,
        "POST /switchover on {from}: {status} {answer}"
    );
    let now = c.wait_for_primary(FAILOVER).await?;
    ensure!(now == to, "the switchover to {to} made {now} primary");
    ensure!(c.wait_streaming(2, REJOIN).await? == to);
    let after = rows(c, to).await?;
    ensure!(
        after >= before,
        "{to} has {after} rows after the switchover, {before} before"
    );
    step(&format!(
        "mixed: {to} primary, {from} streams from it, {:.1} s, {after} rows",
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// kill -9 of `victim`'s agent and PostgreSQL: `heir` (the only other node that may lead)
/// takes over with every replayed row; the victim, started again, rejoins as a replica.
async fn failover(c: &Cluster, victim: &str, heir: &str) -> Result<()> {
    ensure!(
        c.wait_streaming(2, REJOIN).await? == victim,
        "{victim} does not lead before its kill"
    );
    let before = replicated_batch(c, victim, &format!("before the kill of {victim}")).await?;
    step(&format!(
        "mixed: kill -9 of {victim}'s agent and PostgreSQL"
    ));
    let killed = Instant::now();
    c.node(victim).kill9_agent_and_pg();
    let new = c.wait_for_new_primary(victim, FAILOVER).await?;
    ensure!(new == heir, "{new} took over from {victim}, not {heir}");
    let after = rows(c, heir).await?;
    ensure!(
        after >= before,
        "{heir} has {after} rows after the failover, {before} were replayed"
    );
    step(&format!(
        "mixed: {heir} writable primary {:.1} s after the kill, {after} rows",
        killed.elapsed().as_secs_f64()
    ));
    c.node(victim).restart_agent()?;
    c.wait_replica_streaming(victim, REJOIN).await?;
    ensure!(c.wait_streaming(2, REJOIN).await? == heir);
    step(&format!(
        "mixed: {victim} rejoined as a streaming replica of {heir}"
    ));
    Ok(())
}
