//! Scenario 1 (bootstrap: one primary, two streaming replicas, rows replicated) and
//! scenario 8 (forced reinit of a replica; `PATCH /config` of `loop_wait` reaches every
//! node).

use crate::cluster::Cluster;
use crate::{step, BOOTSTRAP, REJOIN};
use anyhow::{ensure, Context, Result};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Waits until `sql` returns `expected` on `node`.
pub(crate) async fn wait_value(
    c: &Cluster,
    node: &str,
    sql: &str,
    expected: &str,
    timeout: Duration,
) -> Result<()> {
    let what = format!("`{sql}` = {expected} on {node}");
    c.wait_until(&what, timeout, || async {
        Ok((c.node(node).query_one(sql).await? == expected).then_some(()))
    })
    .await
}

/// Waits until every node in `nodes` has replayed the primary's current WAL position.
pub(crate) async fn wait_replayed(c: &Cluster, primary: &str, nodes: &[String]) -> Result<()> {
    let lsn = c
        .node(primary)
        .query_one("select pg_current_wal_lsn()")
        .await?;
    for node in nodes {
        let sql = format!("select pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn");
        wait_value(c, node, &sql, "t", Duration::from_secs(60)).await?;
    }
    Ok(())
}

/// An integer JSON field, also when written as a string.
pub(crate) fn int(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
}

/// Scenario 1: exactly one primary (`/primary` 200 there, 503 elsewhere), two streaming
/// replicas, rows written on the primary readable on both replicas, replicas read-only.
/// Returns the primary's name.
pub(crate) async fn bootstrap(c: &Cluster) -> Result<String> {
    step("bootstrap: waiting for a primary with two streaming replicas");
    let started = Instant::now();
    let primary = c.wait_streaming(2, BOOTSTRAP).await?;
    step(&format!(
        "bootstrap: {primary} is primary, 2 replicas streaming after {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    for node in c.nodes() {
        let code = node.code("GET", "/primary").await?;
        let expected = if node.name == primary { 200 } else { 503 };
        ensure!(
            code == expected,
            "GET /primary on {} answered {code}, expected {expected} (primary is {primary})",
            node.name
        );
    }
    // `wait_streaming` saw both; wait (rather than read once) for exactly the two others, as
    // a WAL sender that reconnects passes through `catchup` again.
    let others = c.others(&primary);
    let what = format!("pg_stat_replication on {primary} showing exactly {others:?} streaming");
    c.wait_until(&what, Duration::from_secs(60), || async {
        Ok((c.streaming_from(&primary).await? == others).then_some(()))
    })
    .await?;

    let p = c.node(&primary);
    p.execute(
        "create table e2e_boot(id int primary key, note text);
         insert into e2e_boot select g, 'row ' || g from generate_series(1, 100) g",
    )
    .await?;
    for replica in c.others(&primary) {
        wait_value(
            c,
            &replica,
            "select count(*) from e2e_boot",
            "100",
            Duration::from_secs(60),
        )
        .await?;
        let sum = c
            .node(&replica)
            .query_one("select sum(id) from e2e_boot")
            .await?;
        ensure!(sum == "5050", "{replica}: sum(id) = {sum}, expected 5050");
        let write = c
            .node(&replica)
            .execute("insert into e2e_boot values (1000, 'on a replica')")
            .await;
        let error = format!("{:#}", write.err().context("a replica accepted an INSERT")?);
        ensure!(
            error.contains("read-only"),
            "{replica}: the INSERT failed, but not as read-only: {error}"
        );
    }
    step("bootstrap: rows replicated to both replicas; replicas refuse writes");

    let others = c.others(&primary);
    c.wait_until(
        "GET /cluster: one leader and two streaming replicas",
        Duration::from_secs(30),
        || async {
            let view = c.cluster_json().await?;
            let members = view["members"].as_array().cloned().unwrap_or_default();
            let names: Vec<&str> = members.iter().filter_map(|m| m["name"].as_str()).collect();
            let leader_ok = members
                .iter()
                .any(|m| m["name"] == primary.as_str() && m["role"] == "leader");
            let replicas_ok = others.iter().all(|r| {
                members.iter().any(|m| {
                    m["name"] == r.as_str() && m["role"] == "replica" && m["state"] == "streaming"
                })
            });
            Ok((names == ["node1", "node2", "node3"] && leader_ok && replicas_ok).then_some(()))
        },
    )
    .await?;
    Ok(primary)
}

/// Scenario 8a: `POST /reinitialize {"force": true}` on a replica wipes and re-clones it
/// (a marker file in its data directory disappears, a new postmaster starts) and it streams
/// again with the data; the leader refuses a reinit.
pub(crate) async fn reinit_replica(c: &Cluster, primary: &str) -> Result<()> {
    let replica = c.others(primary).remove(0);
    let node = c.node(&replica);
    step(&format!("reinit: POST /reinitialize on {replica}"));
    let marker = node.data_dir.join("e2e-reinit-marker");
    std::fs::write(&marker, "written before the reinit").context("write the marker")?;
    let old_pid = node.postmaster_pid();
    let (status, body) = node
        .rest("POST", "/reinitialize", Some(r#"{"force": true}"#))
        .await?;
    ensure!(
        status == 200,
        "POST /reinitialize on {replica}: {status} {body}"
    );
    let started = Instant::now();
    c.wait_until(
        "the reinitialized data directory (marker file gone)",
        REJOIN,
        || async { Ok((!marker.exists()).then_some(())) },
    )
    .await?;
    c.wait_replica_streaming(&replica, REJOIN).await?;
    let new_pid = node.postmaster_pid();
    ensure!(
        new_pid.is_some() && new_pid != old_pid,
        "{replica}: postmaster pid {old_pid:?} before the reinit, {new_pid:?} after"
    );
    wait_value(
        c,
        &replica,
        "select count(*) from e2e_boot",
        "100",
        Duration::from_secs(60),
    )
    .await?;
    step(&format!(
        "reinit: {replica} re-cloned and streaming after {:.1} s",
        started.elapsed().as_secs_f64()
    ));

    let (status, body) = c
        .node(primary)
        .rest("POST", "/reinitialize", Some(r#"{"force": false}"#))
        .await?;
    ensure!(
        status == 503 && body.contains("I am the leader"),
        "POST /reinitialize on the leader {primary}: {status} {body}"
    );
    Ok(())
}

/// Waits until every node's `GET /why` reports `loop_wait` in force (the dynamic config
/// its loop runs with; `/patroni` and `/cluster` carry no `loop_wait` in Patroni's format).
async fn wait_loop_wait_in_force(c: &Cluster, loop_wait: f64) -> Result<()> {
    for node in c.nodes() {
        let what = format!("{} running with loop_wait {loop_wait}", node.name);
        c.wait_until(&what, Duration::from_secs(30), || async {
            let (status, why) = node.rest_json("GET", "/why", None).await?;
            Ok((status == 200 && why["loop_wait"].as_f64() == Some(loop_wait)).then_some(()))
        })
        .await?;
    }
    Ok(())
}

/// Scenario 8b: `PATCH /config {"loop_wait": 2}` is stored (every node's `GET /config`
/// shows it) and applied by every agent (each node's `GET /why` reports the loop_wait its
/// loop runs with). A PATCH that breaks `loop_wait + 2 * retry_timeout <= ttl` is refused.
pub(crate) async fn patch_loop_wait(c: &Cluster, primary: &str) -> Result<()> {
    step("config: every node runs with loop_wait 1");
    wait_loop_wait_in_force(c, 1.0).await?;

    let p = c.node(primary);
    let (status, body) = p
        .rest_json("PATCH", "/config", Some(&json!({"loop_wait": 3})))
        .await?;
    ensure!(
        status == 400,
        "PATCH loop_wait 3 with ttl 6, retry_timeout 2 should be refused: {status} {body}"
    );

    step("config: PATCH /config {\"loop_wait\": 2}");
    let (status, body) = p
        .rest_json("PATCH", "/config", Some(&json!({"loop_wait": 2})))
        .await?;
    ensure!(
        status == 200 && int(&body["loop_wait"]) == Some(2),
        "PATCH /config: {status} {body}"
    );
    for node in c.nodes() {
        let (status, config) = node.rest_json("GET", "/config", None).await?;
        ensure!(
            status == 200 && int(&config["loop_wait"]) == Some(2) && int(&config["ttl"]) == Some(6),
            "GET /config on {}: {status} {config}",
            node.name
        );
    }
    wait_loop_wait_in_force(c, 2.0).await?;
    step("config: every node runs with loop_wait 2");
    Ok(())
}

/// Waits until `node`'s `/patroni` shows a timeline above `above` (it shows what the agent
/// read at its last cycle) and returns it.
pub(crate) async fn wait_timeline_above(c: &Cluster, node: &str, above: i64) -> Result<i64> {
    let what = format!("{node}'s /patroni showing a timeline above {above}");
    let n = c.node(node);
    c.wait_until(&what, Duration::from_secs(30), || async {
        let timeline = int(&n.patroni().await?["timeline"]).context("timeline")?;
        Ok((timeline > above).then_some(timeline))
    })
    .await
}
