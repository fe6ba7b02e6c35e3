//! failsafe_mode on real processes: etcd frozen for 2 x ttl while every member answers the
//! primary's failsafe notices. The primary keeps taking writes the whole time (no write
//! fails) and its PostgreSQL is never restarted.

use crate::cluster::Cluster;
use crate::{step, BOOTSTRAP};
use anyhow::{ensure, Context, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The scenario above.
pub(crate) async fn dcs_outage_costs_no_writes(c: &Cluster) -> Result<()> {
    let primary = c.wait_streaming(2, BOOTSTRAP).await?;
    let node = c.node(&primary);
    // Every member's failsafe map entry is written by the leader's cycle: give it one.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let postmaster = node.postmaster_pid().context("primary postmaster")?;
    // Only this scenario's lines count (a guard of an earlier role may have noted its
    // deadline before).
    let log_before = node.log().len();
    let client = node.psql().await?;
    client
        .batch_execute("create table e2e_failsafe(at timestamptz default now())")
        .await?;
    let outage = Duration::from_secs(2 * c.options().ttl);
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = Arc::clone(&stop);
        tokio::spawn(async move {
            let (mut ok, mut failed) = (0u32, Vec::new());
            let start = Instant::now();
            while !stop.load(Ordering::SeqCst) {
                let insert = client.execute("insert into e2e_failsafe default values", &[]);
                match tokio::time::timeout(Duration::from_secs(5), insert).await {
                    Ok(Ok(_)) => ok += 1,
                    other => {
                        failed.push(format!("{:.1} s: {other:?}", start.elapsed().as_secs_f64()))
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            (ok, failed)
        })
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    step(&format!("failsafe: etcd frozen for {outage:?}"));
    c.etcd().pause(true)?;
    tokio::time::sleep(outage).await;
    c.etcd().pause(false)?;
    step("failsafe: etcd thawed");
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::SeqCst);
    let (ok, failed) = writer.await?;
    step(&format!(
        "failsafe: {ok} inserts went through, {} failed",
        failed.len()
    ));
    ensure!(
        failed.is_empty(),
        "writes failed on {primary} during the outage: {failed:?}"
    );
    ensure!(
        node.postmaster_pid() == Some(postmaster),
        "{primary}'s PostgreSQL was restarted (postmaster {postmaster} -> {:?})",
        node.postmaster_pid()
    );
    ensure!(
        !node.log()[log_before..].contains("deadline passed"),
        "the fence guard fired on {primary}"
    );
    ensure!(
        c.primaries().await == vec![primary.clone()],
        "{primary} is no longer the only primary"
    );
    Ok(())
}

/// failsafe_mode with one member that cannot answer (its agent frozen) during a DCS outage:
/// the primary gets no full confirmation, so it must stop acknowledging writes before its
/// lease could have expired in the DCS (at most ttl after the outage began, since its last
/// renewal came before), i.e. before anyone else could have been promoted.
pub(crate) async fn one_silent_member_stops_the_primary(c: &Cluster) -> Result<()> {
    let primary = c.wait_streaming(2, BOOTSTRAP).await?;
    let silent = c.others(&primary).remove(0);
    let client = c.node(&primary).psql().await?;
    client
        .batch_execute("create table if not exists e2e_failsafe_cut(at timestamptz default now())")
        .await?;
    let ttl = Duration::from_secs(c.options().ttl);
    step(&format!(
        "failsafe: {silent}'s agent frozen, then etcd frozen for 2 x ttl"
    ));
    c.node(&silent).freeze_agent()?;
    c.etcd().pause(true)?;
    let cut = Instant::now();
    let mut last_ack = None;
    while cut.elapsed() < 2 * ttl {
        let insert = client.execute("insert into e2e_failsafe_cut default values", &[]);
        match tokio::time::timeout(Duration::from_secs(2), insert).await {
            Ok(Ok(_)) => last_ack = Some(cut.elapsed()),
            Ok(Err(_)) => break,
            Err(_) => {}
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.etcd().pause(false)?;
    c.node(&silent).thaw_agent()?;
    let last = last_ack.context("no insert went through after the cut")?;
    step(&format!(
        "failsafe: last acknowledged insert {:.2} s after etcd froze (ttl {ttl:?})",
        last.as_secs_f64()
    ));
    ensure!(
        last < ttl,
        "{primary} acknowledged a write {last:?} after the cut, past its lease (ttl {ttl:?})"
    );
    c.wait_streaming(2, BOOTSTRAP).await?;
    Ok(())
}
