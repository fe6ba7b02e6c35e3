//! Lossless planned handovers on real processes, in asynchronous mode: a client commits rows
//! one after another, always on whichever node is the writable primary, through 20
//! switchovers (alternating between a named candidate and "any"); then a SIGTERM of the
//! primary's agent. Every row whose commit was acknowledged must be on the final primary.

use crate::cluster::Cluster;
use crate::{step, BOOTSTRAP, FAILOVER, REJOIN};
use anyhow::{ensure, Context, Result};
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Switchovers in the scenario.
const SWITCHOVERS: usize = 20;

/// What the writer saw.
#[derive(Debug, Default)]
struct Written {
    acknowledged: BTreeSet<i64>,
    failed: usize,
    /// Windows longer than 50 ms between two acknowledged commits, in seconds.
    gaps: Vec<f64>,
}

/// The scenario above.
pub(crate) async fn switchovers_lose_nothing(c: &Cluster) -> Result<()> {
    let first = c.wait_streaming(2, BOOTSTRAP).await?;
    c.node(&first)
        .execute("create table e2e_handover(id bigint primary key)")
        .await?;
    let stop = AtomicBool::new(false);
    let (written, switched) = tokio::join!(write_until(c, &stop), async {
        let result = switch_many(c).await;
        let result = match result {
            Ok(gaps) => sigterm_primary(c).await.map(|()| gaps),
            Err(e) => Err(e),
        };
        stop.store(true, Ordering::SeqCst);
        result
    });
    let detected = switched?;
    let primary = c.wait_streaming(1, REJOIN).await?;
    let stored: BTreeSet<i64> = c
        .node(&primary)
        .column("select id from e2e_handover")
        .await?
        .iter()
        .map(|v| v.parse().context("id"))
        .collect::<Result<_>>()?;
    let lost: Vec<i64> = written.acknowledged.difference(&stored).copied().collect();
    let mut windows = written.gaps.clone();
    windows.sort_by(|a, b| b.total_cmp(a));
    windows.truncate(SWITCHOVERS + 1);
    step(&format!(
        "handover: {} commits acknowledged, {} failed (no primary at that moment), {} lost; \
         the {} longest windows without an acknowledged commit (one per handover): median \
         {:.3} s, max {:.3} s; request to new primary as the harness polls it: median {:.2} s",
        written.acknowledged.len(),
        written.failed,
        lost.len(),
        windows.len(),
        median(&windows),
        windows.first().copied().unwrap_or(0.0),
        median(&detected),
    ));
    ensure!(
        written.acknowledged.len() > SWITCHOVERS * 10,
        "too few commits to show anything: {}",
        written.acknowledged.len()
    );
    ensure!(
        lost.is_empty(),
        "acknowledged rows lost: {lost:?} (of {})",
        written.acknowledged.len()
    );
    Ok(())
}

/// Runs the switchovers; returns each one's time from the request to a writable new primary.
async fn switch_many(c: &Cluster) -> Result<Vec<f64>> {
    let mut gaps = Vec::new();
    for round in 0..SWITCHOVERS {
        let (leader, candidate, started) = request_switchover(c, round).await?;
        let new = c.wait_for_new_primary(&leader, FAILOVER).await?;
        gaps.push(started.elapsed().as_secs_f64());
        if let Some(name) = &candidate {
            ensure!(
                &new == name,
                "switchover {round} to {name} made {new} primary"
            );
        }
        step(&format!(
            "handover: switchover {} of {SWITCHOVERS}: {leader} -> {new} in {:.2} s",
            round + 1,
            gaps[round]
        ));
    }
    Ok(gaps)
}

/// Asks the primary of a healthy cluster for switchover `round` (to a named candidate in even
/// rounds); returns the leader asked, the candidate and when the request was sent. A request
/// the leader refuses (503: on this loaded machine a candidate whose PostgreSQL did not
/// answer its health check within a second counts as unhealthy, as on Patroni) is asked
/// again once the cluster is healthy, at most [`REFUSALS`] times; a refusal moves nothing,
/// so the scenario's check (no acknowledged commit lost) is unchanged.
async fn request_switchover(
    c: &Cluster,
    round: usize,
) -> Result<(String, Option<String>, Instant)> {
    let mut refused = 0;
    loop {
        let leader = c.wait_streaming(2, REJOIN).await?;
        // Let some commits land on this primary before moving on.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let candidate = round
            .is_multiple_of(2)
            .then(|| c.others(&leader).remove(round % 4 / 2));
        let body = match &candidate {
            Some(name) => json!({"leader": leader, "candidate": name}),
            None => json!({"leader": leader}),
        };
        let started = Instant::now();
        let (status, reply) = c
            .node(&leader)
            .rest("POST", "/switchover", Some(&body.to_string()))
            .await?;
        if status == 200 {
            return Ok((leader, candidate, started));
        }
        ensure!(
            status == 503 && refused < REFUSALS,
            "switchover {round} from {leader}: {status} {reply} (refused {refused} times before)"
        );
        refused += 1;
        step(&format!(
            "handover: switchover {} from {leader} refused ({status} {reply}); asking again",
            round + 1
        ));
    }
}

/// How many times one switchover may be refused before the scenario fails.
const REFUSALS: usize = 2;

/// SIGTERM to the primary's agent while the writer commits: it stops PostgreSQL and hands
/// the key to a replica that has everything; waits for the new primary.
async fn sigterm_primary(c: &Cluster) -> Result<()> {
    let old = c.wait_streaming(2, REJOIN).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = Instant::now();
    c.node(&old).sigterm()?;
    let new = c.wait_for_new_primary(&old, FAILOVER).await?;
    step(&format!(
        "handover: SIGTERM to {old}'s agent, {new} writable after {:.2} s",
        sent.elapsed().as_secs_f64()
    ));
    let status = c
        .node(&old)
        .wait_agent_exit(Duration::from_secs(30))
        .await?;
    ensure!(status.success(), "{old}'s agent exited with {status}");
    Ok(())
}

/// Commits ids 1, 2, ... one at a time on whichever node accepts writes, until `stop`.
async fn write_until(c: &Cluster, stop: &AtomicBool) -> Written {
    let mut written = Written::default();
    let mut next = 1i64;
    let mut client: Option<tokio_postgres::Client> = None;
    let mut last_ack: Option<Instant> = None;
    while !stop.load(Ordering::SeqCst) {
        let Some(conn) = client.as_ref() else {
            client = c
                .connect_writable(Duration::from_secs(10))
                .await
                .map(|(_, client)| client);
            if client.is_none() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            continue;
        };
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&next];
        let insert = conn.execute("insert into e2e_handover values ($1)", &params);
        match tokio::time::timeout(Duration::from_secs(5), insert).await {
            Ok(Ok(_)) => {
                written.acknowledged.insert(next);
                let now = Instant::now();
                if let Some(gap) = last_ack.map(|t| now.duration_since(t).as_secs_f64()) {
                    if gap > 0.05 {
                        written.gaps.push(gap);
                    }
                }
                last_ack = Some(now);
            }
            _ => {
                written.failed += 1;
                client = None;
            }
        }
        next += 1;
    }
    written
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
}
