//! Scenario 6: in pause, kill -9 of the primary's PostgreSQL promotes nobody (for 3 x ttl);
//! resuming restores automatic failover / restart.

use crate::cluster::Cluster;
use crate::{step, FAILOVER, REJOIN};
use anyhow::{ensure, Context, Result};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Waits until every node's `/patroni` shows `pause: true` (or no `pause` when `paused` is
/// false).
async fn wait_pause_applied(c: &Cluster, paused: bool) -> Result<()> {
    let what = format!("every node reporting pause={paused} in /patroni");
    c.wait_until(&what, Duration::from_secs(30), || async {
        for node in c.nodes() {
            let status = node.patroni().await?;
            let shown = status
                .get("pause")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if shown != paused {
                return Ok(None);
            }
        }
        Ok(Some(()))
    })
    .await
}

/// Scenario 6.
pub(crate) async fn pause_blocks_failover(c: &Cluster) -> Result<()> {
    let primary = c.wait_streaming(2, REJOIN).await?;
    let p = c.node(&primary);
    let before = c.dcs_leader().await?.context("no leader key")?;
    ensure!(
        before.value == primary,
        "leader key {before:?}, primary {primary}"
    );

    step("pause: PATCH /config {\"pause\": true}");
    let (status, body) = p
        .rest_json("PATCH", "/config", Some(&json!({"pause": true})))
        .await?;
    ensure!(
        status == 200 && body["pause"] == true,
        "PATCH pause: {status} {body}"
    );
    wait_pause_applied(c, true).await?;
    let view = c.cluster_json().await?;
    ensure!(
        view["pause"] == true,
        "GET /cluster does not show pause: {view}"
    );

    step(&format!("pause: kill -9 of {primary}'s postmaster"));
    let pid = p.kill9_pg_only()?;
    let window = Duration::from_secs(3 * c.options().ttl);
    let started = Instant::now();
    let mut released_after = None;
    let mut polls = 0;
    while started.elapsed() < window {
        for other in c.others(&primary) {
            let node = c.node(&other);
            let in_recovery = node.query_one("select pg_is_in_recovery()").await?;
            ensure!(
                in_recovery == "t",
                "{other} was promoted in pause, {:.1} s after the kill",
                started.elapsed().as_secs_f64()
            );
            ensure!(
                node.code("GET", "/primary").await? == 503,
                "{other} answers /primary 200 in pause"
            );
        }
        match c.dcs_leader().await? {
            Some(kv) => ensure!(
                kv.value == primary && kv.create_revision == before.create_revision,
                "the leader key changed in pause: {before:?} -> {kv:?}"
            ),
            None => {
                released_after.get_or_insert(started.elapsed());
            }
        }
        ensure!(
            p.postmaster_pid().is_none(),
            "{primary}'s PostgreSQL (killed pid {pid}) was started again in pause"
        );
        polls += 1;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let leader_key = match released_after {
        None => "unchanged".to_string(),
        Some(t) => format!(
            "deleted by {primary} {:.1} s after the kill (spec 2.10: the leader keeps the key \
             only while primary), taken by nobody",
            t.as_secs_f64()
        ),
    };
    step(&format!(
        "pause: {polls} checks over {window:?}: no promotion, PostgreSQL left down, leader key \
         {leader_key}"
    ));

    step("pause: PATCH /config {\"pause\": false}");
    let resumed = Instant::now();
    let (status, body) = p
        .rest_json("PATCH", "/config", Some(&json!({"pause": false})))
        .await?;
    ensure!(status == 200, "PATCH pause false: {status} {body}");
    let writer = c.wait_for_primary(FAILOVER).await?;
    step(&format!(
        "pause: resumed; {writer} is a writable primary {:.1} s later",
        resumed.elapsed().as_secs_f64()
    ));
    wait_pause_applied(c, false).await?;
    c.wait_streaming(2, REJOIN).await?;
    step("pause: all three nodes stream again");
    Ok(())
}
