//! TLS between the nodes (issue 15, item 3): every REST API speaks https and requires a
//! client certificate signed by the cluster's CA. The agents ask each other with their own
//! certificates, `pg-ha-ctl` with the `ctl` section's: a named switchover through
//! `pg-ha-ctl` and through REST (the leader checks the candidate over TLS), failsafe_mode
//! riding an etcd outage (every member vouches over TLS), and a kill -9 failover (the
//! replicas compare each other over TLS). A client without a certificate is refused.

use crate::cluster::Cluster;
use crate::ctl::run_ctl;
use crate::{crashes, failsafe, replication, step, FAILOVER};
use anyhow::{ensure, Result};
use pg_ha_agent::http::{send, Request};
use serde_json::json;
use std::time::Duration;

pub(crate) async fn switchover_failsafe_and_failover(c: &Cluster) -> Result<()> {
    let first = replication::bootstrap(c).await?;
    refuses_clients_without_a_certificate(c, &first).await?;

    let candidate = c.others(&first).remove(0);
    step(&format!("tls: pg-ha-ctl switchover {first} -> {candidate}"));
    run_ctl(c, &["switchover", "--candidate", &candidate, "--force"]).await?;
    wait_primary(c, &candidate).await?;
    c.wait_streaming(2, FAILOVER).await?;

    step(&format!("tls: POST /switchover {candidate} -> {first}"));
    let body = json!({"leader": candidate, "candidate": first});
    let (status, answer) = c
        .node(&candidate)
        .rest_json("POST", "/switchover", Some(&body))
        .await?;
    ensure!(status == 200, "POST /switchover: {status} {answer}");
    wait_primary(c, &first).await?;

    step("tls: etcd frozen with failsafe_mode, the members vouch over TLS");
    failsafe::dcs_outage_costs_no_writes(c).await?;

    step("tls: kill -9 of the primary, the replicas elect over TLS");
    crashes::kill9_primary_node(c).await
}

async fn wait_primary(c: &Cluster, name: &str) -> Result<()> {
    let now = c.wait_for_primary(FAILOVER).await?;
    ensure!(now == name, "{now} is the primary, not {name}");
    Ok(())
}

/// Plain http and https without a client certificate both fail.
async fn refuses_clients_without_a_certificate(c: &Cluster, node: &str) -> Result<()> {
    let https = format!("{}/patroni", c.node(node).api_url());
    ensure!(https.starts_with("https://"), "{https}");
    let anonymous = send(Request::get(&https, Duration::from_secs(5))).await;
    ensure!(
        anonymous.is_err(),
        "an https client without a certificate was answered: {anonymous:?}"
    );
    let plain = https.replacen("https://", "http://", 1);
    let answer = send(Request::get(&plain, Duration::from_secs(5))).await;
    ensure!(
        answer.as_ref().map_or(true, |r| r.status != 200),
        "plain http was answered: {answer:?}"
    );
    step("tls: clients without a certificate are refused");
    Ok(())
}
