//! Scenario 5: switchover to a named candidate and to any member, failover to a named
//! candidate, and a scheduled switchover (never before its time), all through REST.

use crate::cluster::{iso8601_utc, Cluster};
use crate::{step, BOOTSTRAP, FAILOVER, REJOIN};
use anyhow::{ensure, Context, Result};
use serde_json::json;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// POSTs `body` to `path` on `node`; returns (status, body).
async fn post(
    c: &Cluster,
    node: &str,
    path: &str,
    body: serde_json::Value,
) -> Result<(u16, String)> {
    c.node(node)
        .rest("POST", path, Some(&body.to_string()))
        .await
}

/// Scenario 5.
pub(crate) async fn switchovers(c: &Cluster) -> Result<()> {
    let first = c.wait_streaming(2, BOOTSTRAP).await?;

    // Refusals first: they must not change anything.
    let (status, body) = post(c, &first, "/failover", json!({})).await?;
    ensure!(status == 400, "POST /failover {{}}: {status} {body}");
    let (status, body) = post(c, &first, "/switchover", json!({"leader": "nobody"})).await?;
    ensure!(
        status == 412 && body.contains("leader name does not match"),
        "switchover from a wrong leader: {status} {body}"
    );
    let (status, body) = post(
        c,
        &first,
        "/switchover",
        json!({"leader": first, "candidate": "nobody"}),
    )
    .await?;
    ensure!(
        status == 412 && body.contains("candidate does not exist"),
        "switchover to an unknown candidate: {status} {body}"
    );

    // 1. To a named candidate.
    let candidate = c.others(&first).remove(0);
    step(&format!("switchover: {first} -> {candidate}"));
    let started = Instant::now();
    let (status, body) = post(
        c,
        &first,
        "/switchover",
        json!({"leader": first, "candidate": candidate}),
    )
    .await?;
    ensure!(
        status == 200 && body.contains(&format!("\"{candidate}\"")),
        "POST /switchover to {candidate}: {status} {body}"
    );
    let now = c.wait_for_primary(FAILOVER).await?;
    ensure!(
        now == candidate,
        "switchover to {candidate} made {now} primary"
    );
    c.wait_replica_streaming(&first, REJOIN).await?;
    ensure!(c.wait_streaming(2, REJOIN).await? == candidate);
    step(&format!(
        "switchover: {candidate} primary, {first} streams from it, {:.1} s",
        started.elapsed().as_secs_f64()
    ));

    // 2. To any member.
    step(&format!("switchover: {candidate} -> any"));
    let started = Instant::now();
    let (status, body) = post(c, &candidate, "/switchover", json!({"leader": candidate})).await?;
    ensure!(
        status == 200,
        "POST /switchover without a candidate: {status} {body}"
    );
    let second = c.wait_for_new_primary(&candidate, FAILOVER).await?;
    ensure!(c.wait_streaming(2, REJOIN).await? == second);
    step(&format!(
        "switchover: {second} primary, all streaming, {:.1} s",
        started.elapsed().as_secs_f64()
    ));

    // 3. Failover to a named candidate (sent to a replica: any member accepts it).
    let target = c.others(&second).remove(0);
    let via = c
        .others(&second)
        .into_iter()
        .find(|n| *n != target)
        .context("no third node")?;
    step(&format!(
        "failover: {second} -> {target} (request sent to {via})"
    ));
    let started = Instant::now();
    let (status, body) = post(c, &via, "/failover", json!({"candidate": target})).await?;
    ensure!(
        status == 200 && body.contains(&format!("\"{target}\"")),
        "POST /failover to {target}: {status} {body}"
    );
    let now = c.wait_for_primary(FAILOVER).await?;
    ensure!(now == target, "failover to {target} made {now} primary");
    ensure!(c.wait_streaming(2, REJOIN).await? == target);
    step(&format!(
        "failover: {target} primary, all streaming, {:.1} s",
        started.elapsed().as_secs_f64()
    ));

    scheduled(c, &target).await?;
    let rewinds: Vec<String> = c
        .nodes()
        .iter()
        .map(|n| {
            format!(
                "{}: {}",
                n.name,
                n.log().matches("running pg_rewind").count()
            )
        })
        .collect();
    step(&format!(
        "switchover: pg_rewind runs per node: {}",
        rewinds.join(", ")
    ));
    Ok(())
}

/// A switchover scheduled 10 s ahead happens after its time and not before.
async fn scheduled(c: &Cluster, leader: &str) -> Result<()> {
    let now_secs = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let at = UNIX_EPOCH + Duration::from_secs(now_secs + 10);
    let at_text = iso8601_utc(at);
    step(&format!("scheduled: switchover from {leader} at {at_text}"));
    let (status, body) = post(
        c,
        leader,
        "/switchover",
        json!({"leader": leader, "scheduled_at": at_text}),
    )
    .await?;
    ensure!(
        status == 202 && body.contains("Switchover scheduled"),
        "scheduled switchover: {status} {body}"
    );
    let view = c.cluster_json().await?;
    ensure!(
        view["scheduled_switchover"]["at"].is_string(),
        "GET /cluster shows no scheduled_switchover: {view}"
    );
    // Until the scheduled time (less half a second of rounding), nothing moves.
    let mut checks = 0;
    while SystemTime::now() + Duration::from_millis(500) < at {
        let key = c.dcs_leader().await?;
        ensure!(
            key.as_ref().is_some_and(|kv| kv.value == leader),
            "{}s before the scheduled time the leader key is {key:?}",
            at.duration_since(SystemTime::now())
                .map_or(0.0, |d| d.as_secs_f64())
        );
        ensure!(
            c.node(leader).is_writable().await,
            "{leader} stopped being writable before the scheduled time"
        );
        checks += 1;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let new = c.wait_for_new_primary(leader, FAILOVER).await?;
    let late = SystemTime::now()
        .duration_since(at)
        .context("the new primary appeared before the scheduled time")?;
    step(&format!(
        "scheduled: {leader} stayed leader through {checks} checks; {new} primary {:.1} s after \
         the scheduled time",
        late.as_secs_f64()
    ));
    ensure!(c.wait_streaming(2, REJOIN).await? == new);
    // The new leader clears the request in one of its cycles after the promotion.
    c.wait_until(
        "GET /cluster without scheduled_switchover after it happened",
        Duration::from_secs(30),
        || async {
            let view = c.cluster_json().await?;
            Ok(view.get("scheduled_switchover").is_none().then_some(()))
        },
    )
    .await?;
    Ok(())
}
