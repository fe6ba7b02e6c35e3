//! Standby clusters: two real 2-node clusters, B a standby cluster of A. B bootstraps by
//! cloning A's primary and replicates it through A's permanent slot `dr` (B's replica
//! cascading from B's standby leader). Then a DR switchover with `pg-ha-ctl`:
//! `demote-cluster` makes A a standby cluster of B, `promote-cluster` makes B the primary
//! cluster, and writes on B reach both of A's nodes.

use crate::cluster::{Cluster, ClusterOptions};
use crate::{step, BOOTSTRAP, FAILOVER, REJOIN};
use anyhow::{ensure, Context, Result};
use serde_json::json;
use std::time::Duration;

/// The leader of `c` once its member key shows it running with `role`.
async fn wait_leader_role(c: &Cluster, role: &str, timeout: Duration) -> Result<String> {
    let what = format!("a running {role} holding the leader key");
    c.wait_until(&what, timeout, || async {
        let Some(leader) = c.dcs_leader().await? else {
            return Ok(None);
        };
        let name = leader.value.clone();
        let Some(member) = c.dcs_get(&format!("members/{name}")).await? else {
            return Ok(None);
        };
        let data: serde_json::Value = serde_json::from_str(&member.value)?;
        Ok((data["role"] == role && data["state"] == "running").then_some(name))
    })
    .await
}

/// Waits until every node of `c` has `rows` rows in `e2e_dr`.
async fn wait_rows(c: &Cluster, rows: u32) -> Result<()> {
    for node in c.nodes() {
        let what = format!("{rows} rows of e2e_dr on {}", node.name);
        c.wait_until(&what, REJOIN, || async {
            let count = node.query_one("select count(*) from e2e_dr").await.ok();
            Ok((count.as_deref() == Some(rows.to_string().as_str())).then_some(()))
        })
        .await?;
    }
    Ok(())
}

fn ctl_ok(c: &Cluster, args: &[&str]) -> Result<String> {
    let out = c.ctl(args);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    ensure!(
        out.status.success(),
        "pg-ha-ctl {args:?} failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(stdout)
}

/// The whole scenario on the primary cluster `a`; starts and finishes the standby cluster.
pub(crate) async fn replicate_then_switch_over(a: &Cluster) -> Result<()> {
    let a_leader = a.wait_streaming(1, BOOTSTRAP).await?;
    let p = a.node(&a_leader);
    let patch = json!({"slots": {"dr": {"type": "physical"}}});
    let (status, body) = p.rest_json("PATCH", "/config", Some(&patch)).await?;
    ensure!(status == 200, "PATCH /config: {status} {body}");
    p.execute(
        "create table e2e_dr(id int primary key); \
               insert into e2e_dr select generate_series(1, 100)",
    )
    .await?;
    a.wait_until("slot dr on A's primary", FAILOVER, || async {
        let slots = p
            .column("select slot_name::text from pg_replication_slots where slot_name = 'dr'")
            .await?;
        Ok((!slots.is_empty()).then_some(()))
    })
    .await?;

    step("standby cluster: starting cluster B, a standby cluster of A through slot dr");
    let options = ClusterOptions {
        scope: "e2e-dr-b".to_string(),
        standby_cluster: Some(json!({
            "host": "127.0.0.1", "port": p.pg_port, "primary_slot_name": "dr",
        })),
        ..ClusterOptions::default()
    };
    let b = Cluster::start(2, options).await?;
    let result = with_standby_cluster(a, &a_leader, &b).await;
    b.finish(result).await
}

async fn with_standby_cluster(a: &Cluster, a_leader: &str, b: &Cluster) -> Result<()> {
    let b_leader = wait_leader_role(b, "standby_leader", BOOTSTRAP).await?;
    wait_rows(b, 100).await?;
    let p = a.node(a_leader);
    let active = p
        .query_one("select active::text from pg_replication_slots where slot_name = 'dr'")
        .await?;
    ensure!(active == "true", "A's slot dr is not in use: {active}");
    let bl = b.node(&b_leader);
    ensure!(
        bl.code("GET", "/standby-leader").await? == 200,
        "/standby-leader"
    );
    ensure!(
        bl.code("GET", "/primary").await? == 503,
        "/primary on a standby leader"
    );
    p.execute("insert into e2e_dr select generate_series(101, 150)")
        .await?;
    wait_rows(b, 150).await?;

    step("standby cluster: pg-ha-ctl demote-cluster A onto B's standby leader");
    let port = bl.pg_port.to_string();
    let out = ctl_ok(
        a,
        &[
            "demote-cluster",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--force",
        ],
    )?;
    ensure!(out.contains("standby_leader"), "demote-cluster said: {out}");
    wait_leader_role(a, "standby_leader", FAILOVER).await?;

    step("standby cluster: pg-ha-ctl promote-cluster B");
    let out = ctl_ok(b, &["promote-cluster", "--force"])?;
    ensure!(out.contains("primary"), "promote-cluster said: {out}");
    let b_primary = b.wait_for_primary(FAILOVER).await?;
    ensure!(
        b_primary == b_leader,
        "{b_primary} is B's primary, not {b_leader}"
    );
    b.node(&b_primary)
        .execute("insert into e2e_dr select generate_series(151, 200)")
        .await?;
    wait_rows(b, 200).await?;
    wait_rows(a, 200).await?;
    let a_now = wait_leader_role(a, "standby_leader", FAILOVER).await?;
    ensure!(
        !a.node(&a_now).is_writable().await,
        "A's standby leader {a_now} takes writes"
    );
    let b_replica = b
        .others(&b_primary)
        .into_iter()
        .next()
        .context("B's replica")?;
    b.wait_replica_streaming(&b_replica, REJOIN).await?;
    Ok(())
}
