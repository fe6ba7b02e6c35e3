//! The watchdog through Patroni's testing driver (the device is a plain file the agent
//! writes `Ctimeout=N`, keepalives `1` and the magic close `V` to): node1 and node2 have a
//! required watchdog, node3 a required one whose device is missing. The primary arms its
//! device and keeps it alive, replicas never arm it, node3 never leads (it reports
//! `watchdog_failed`); kill -9 of the primary's node leaves its watchdog armed (it would
//! reset the machine) and the failover goes to the other watchdog node; a switchover back
//! disarms the demoted primary's watchdog.

use crate::cluster::Cluster;
use crate::{step, BOOTSTRAP, FAILOVER, REJOIN};
use anyhow::{ensure, Result};
use serde_json::json;
use std::time::Duration;

/// What the agent of `node` wrote to its watchdog device.
fn device(c: &Cluster, node: &str) -> String {
    std::fs::read_to_string(c.node(node).dir.join("watchdog")).unwrap_or_default()
}

/// Waits until `node`'s device shows a timeout of `timeout` s and keepalives that go on.
async fn wait_kept_alive(c: &Cluster, node: &str, timeout: u32) -> Result<()> {
    let what = format!("{node}'s watchdog armed with a {timeout} s timeout and kept alive");
    let armed = format!("Ctimeout={timeout}\n");
    c.wait_until(&what, FAILOVER, || async {
        let before = device(c, node);
        if !before.contains(&armed) {
            return Ok(None);
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let after = device(c, node);
        let more = after.matches('1').count() > before.matches('1').count();
        Ok((more && !after.ends_with('V')).then_some(()))
    })
    .await
}

/// The scenario.
pub(crate) async fn required_watchdog_decides_who_leads(c: &Cluster) -> Result<()> {
    let first = c.wait_streaming(2, BOOTSTRAP).await?;
    ensure!(
        first != "node3",
        "node3 leads without its required watchdog"
    );
    wait_kept_alive(c, &first, 3).await?;
    let other = if first == "node1" { "node2" } else { "node1" };
    ensure!(
        !device(c, other).contains('1'),
        "the replica {other} armed its watchdog: {:?}",
        device(c, other)
    );
    let patroni = c.node("node3").patroni().await?;
    ensure!(
        patroni["watchdog_failed"] == json!(true),
        "node3's /patroni: {patroni}"
    );

    step(&format!(
        "watchdog: kill -9 of {first}'s agent and PostgreSQL"
    ));
    c.node(&first).kill9_agent_and_pg();
    let second = c.wait_for_new_primary(&first, FAILOVER).await?;
    ensure!(
        second == other,
        "{second} took over; only {other} has a watchdog"
    );
    wait_kept_alive(c, &second, 3).await?;
    ensure!(
        !device(c, &first).ends_with('V'),
        "a killed agent cannot disarm its watchdog: {:?}",
        device(c, &first)
    );

    step(&format!("watchdog: {first} rejoins, switchover back to it"));
    c.node(&first).restart_agent()?;
    c.wait_replica_streaming(&first, REJOIN).await?;
    let body = json!({"leader": second, "candidate": first});
    let (status, text) = c
        .node(&second)
        .rest_json("POST", "/switchover", Some(&body))
        .await?;
    ensure!(status == 200, "switchover: {status} {text}");
    let third = c.wait_for_new_primary(&second, FAILOVER).await?;
    ensure!(third == first, "{third} took over instead of {first}");
    wait_kept_alive(c, &first, 3).await?;
    c.wait_until(
        &format!("{second}'s watchdog disarmed after its demotion"),
        FAILOVER,
        || async { Ok(device(c, &second).ends_with('V').then_some(())) },
    )
    .await
}
