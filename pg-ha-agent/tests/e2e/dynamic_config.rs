//! The dynamic configuration reaches PostgreSQL (issue 15, item 1): a parameter changed with
//! `PATCH /config` is reloaded on every node; one that needs a restart shows as
//! `pending_restart` (with its reason) in the member keys, `/patroni` and `pg-ha-ctl list`,
//! and `pg-ha-ctl restart --pending` applies it; a node's own `parameters` win after a
//! SIGHUP, on that node only.

use crate::cluster::Cluster;
use crate::{step, FAILOVER};
use anyhow::{ensure, Result};
use serde_json::{json, Value};
use std::time::Duration;

const APPLIED: Duration = Duration::from_secs(30);

/// Waits until `SHOW name` says `value` on each of `nodes`.
async fn wait_setting(c: &Cluster, nodes: &[String], name: &str, value: &str) -> Result<()> {
    for node in nodes {
        let what = format!("{node}: {name} = {value}");
        c.wait_until(&what, APPLIED, || async {
            let shown = c.node(node).query_one(&format!("SHOW {name}")).await?;
            Ok((shown == value).then_some(()))
        })
        .await?;
    }
    Ok(())
}

fn names(c: &Cluster) -> Vec<String> {
    c.nodes().iter().map(|n| n.name.clone()).collect()
}

async fn patch(c: &Cluster, primary: &str, parameters: Value) -> Result<()> {
    let body = json!({"postgresql": {"parameters": parameters}});
    let (status, answer) = c
        .node(primary)
        .rest_json("PATCH", "/config", Some(&body))
        .await?;
    ensure!(status == 200, "PATCH /config: {status} {answer}");
    Ok(())
}

/// Every member key says `pending_restart` for max_connections 100 -> 60.
async fn wait_pending_everywhere(c: &Cluster) -> Result<()> {
    c.wait_until("pending_restart in every member key", APPLIED, || async {
        let cluster = c.cluster_json().await?;
        let members = cluster["members"].as_array().cloned().unwrap_or_default();
        let pending = members.iter().filter(|m| {
            m["pending_restart"] == json!(true)
                && m["pending_restart_reason"]["max_connections"]
                    == json!({"old_value": "100", "new_value": "60"})
        });
        Ok((pending.count() == c.nodes().len()).then_some(()))
    })
    .await
}

/// True when every node runs with max_connections 60 and no member key says
/// `pending_restart`.
async fn max_connections_applied(c: &Cluster) -> Result<bool> {
    for node in c.nodes() {
        if node.query_one("SHOW max_connections").await? != "60" {
            return Ok(false);
        }
    }
    let cluster = c.cluster_json().await?;
    let members = cluster["members"].as_array().cloned().unwrap_or_default();
    Ok(members.iter().all(|m| m.get("pending_restart").is_none()))
}

/// `pg-ha-ctl restart --pending` until max_connections 60 is in force everywhere. A replica
/// restarted before it replayed the primary's lower setting must start with the primary's
/// old value (PostgreSQL refuses less) and stays pending: a second round applies it.
async fn restart_pending_until_applied(c: &Cluster) -> Result<()> {
    let scope = c.options().scope.clone();
    for round in 1..=4 {
        step(&format!(
            "dynamic config: pg-ha-ctl restart --pending (round {round})"
        ));
        let out = c.ctl(&["restart", &scope, "--pending", "--force"]);
        ensure!(
            out.status.success(),
            "restart --pending: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        c.wait_for_primary(FAILOVER).await?;
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_secs(6) {
            if max_connections_applied(c).await.unwrap_or(false) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    c.dump_logs("max_connections 60 not in force after 4 rounds")
        .await;
    anyhow::bail!("max_connections 60 not in force after 4 rounds of restart --pending")
}

pub(crate) async fn parameters_reach_postgresql(c: &Cluster, primary: &str) -> Result<()> {
    let all = names(c);
    step("dynamic config: PATCH work_mem 7MB, reloaded on every node");
    patch(c, primary, json!({"work_mem": "7MB"})).await?;
    wait_setting(c, &all, "work_mem", "7MB").await?;

    step("dynamic config: PATCH max_connections 60, pending restart everywhere");
    patch(c, primary, json!({"max_connections": 60})).await?;
    wait_pending_everywhere(c).await?;
    c.wait_until("pending_restart in /patroni", APPLIED, || async {
        let patroni = c.node(primary).patroni().await?;
        Ok((patroni["pending_restart"] == json!(true)
            && patroni["pending_restart_reason"]["max_connections"]["new_value"] == "60")
            .then_some(()))
    })
    .await?;
    let list = c.ctl(&["list"]);
    let text = String::from_utf8_lossy(&list.stdout);
    ensure!(
        text.contains("Pending restart") && text.matches('*').count() >= all.len(),
        "pg-ha-ctl list: {text}"
    );

    restart_pending_until_applied(c).await?;

    let replica = c.others(primary).remove(0);
    step(&format!(
        "dynamic config: {replica}'s own work_mem after SIGHUP"
    ));
    let node = c.node(&replica);
    let yaml = std::fs::read_to_string(&node.config_path)?;
    let local = yaml.replacen(
        "\npostgresql:\n",
        "\npostgresql:\n  parameters: {work_mem: 9MB}\n",
        1,
    );
    ensure!(local != yaml, "no postgresql section in {yaml}");
    // The same SIGHUP reloads the REST API's settings: basic auth on the mutating
    // endpoints from now on.
    let guarded = local.replacen(
        "\nrestapi:\n",
        "\nrestapi:\n  authentication: {username: admin, password: s3cret}\n",
        1,
    );
    ensure!(guarded != local, "no restapi section in {local}");
    std::fs::write(&node.config_path, &guarded)?;
    node.sighup()?;
    wait_setting(c, std::slice::from_ref(&replica), "work_mem", "9MB").await?;
    let others: Vec<String> = all.into_iter().filter(|n| *n != replica).collect();
    wait_setting(c, &others, "work_mem", "7MB").await?;
    c.wait_until("REST auth after SIGHUP", APPLIED, || async {
        let (status, _) = node.rest("POST", "/reload", None).await?;
        Ok((status == 401).then_some(()))
    })
    .await?;
    step(&format!(
        "dynamic config: {replica}'s REST API asks for basic auth after SIGHUP; reverting"
    ));
    std::fs::write(&node.config_path, &local)?;
    node.sighup()?;
    c.wait_until("REST without auth after SIGHUP", APPLIED, || async {
        let (status, _) = node.rest("POST", "/reload", None).await?;
        Ok((status == 202).then_some(()))
    })
    .await
}
