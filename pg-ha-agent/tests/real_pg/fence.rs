//! The write fence: a guard process kills a primary whose deadline passed, even when the
//! agent stops extending it or is gone; standbys are left alone.

use crate::common::*;
use anyhow::{Context, Result};
use pg_ha_agent::postgres::pidfile::process_alive;
use pg_ha_agent::postgres::LocalPostgres;
use pg_ha_core::postgres::ProcessState;
use pg_ha_core::{Clock, Postgres};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_fence_kills_the_primary() -> Result<()> {
    let sandbox = Sandbox::new();
    let a = Node::primary(&sandbox, "a").await?;
    let mut exits = a.pg.subscribe_exits();
    let armed = Instant::now();
    let deadline = Duration::from_millis(1500);
    a.pg.set_write_fence(Some(clock().now() + deadline)).await?;
    assert!(a.pg.fence_guard_pid().is_some());
    // The guard kills at the deadline; how late it was is logged (a loaded machine delays
    // it), the bound only catches a fence that does not fire.
    tokio::time::timeout(deadline + Duration::from_secs(30), exits.changed())
        .await
        .context("the fence did not fire within 30 s of its deadline")??;
    let killed = armed.elapsed();
    eprintln!(
        "TIMING fence fired after {} ms (deadline {} ms)",
        killed.as_millis(),
        deadline.as_millis()
    );
    assert!(
        killed >= deadline - Duration::from_millis(100),
        "fired early: {killed:?}"
    );
    assert_eq!(a.status().await?.process, ProcessState::Crashed);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extensions_keep_the_primary_and_standbys_are_left_alone() -> Result<()> {
    let sandbox = Sandbox::new();
    let a = Node::primary(&sandbox, "a").await?;
    let b = Node::standby_of(&sandbox, "b", &a).await?;
    b.pg.set_write_fence(Some(clock().now() + Duration::from_millis(300)))
        .await?;
    // Extended every 250 ms, each time FENCE ahead, for 2.5 fence periods: the fence fires
    // only if an extension comes more than FENCE late (a stall of the test that long).
    const FENCE: Duration = Duration::from_secs(2);
    let start = Instant::now();
    let mut last_deadline = Instant::now();
    while start.elapsed() < FENCE * 5 / 2 {
        let until = clock().now() + FENCE;
        last_deadline = Instant::now() + FENCE;
        a.pg.set_write_fence(Some(until)).await?;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    a.pg.set_write_fence(None).await?;
    // Well past the last deadline: the disarmed fence did not fire.
    tokio::time::sleep_until((last_deadline + Duration::from_secs(1)).into()).await;
    assert!(
        a.status().await?.is_running_primary(),
        "extended, then disarmed"
    );
    assert!(
        b.status().await?.is_running_standby(),
        "a standby is never fenced"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fence_outlives_the_agent() -> Result<()> {
    let sandbox = Sandbox::new();
    let a = Node::primary(&sandbox, "a").await?;
    let pid = a.pg.postmaster_pid().expect("running");
    // A second agent adopts the postmaster, arms the fence and "dies": dropping it closes
    // the guard's stdin, and the guard still enforces the deadline.
    let agent = LocalPostgres::new(a.pg.settings().clone(), clock()).await?;
    assert_eq!(agent.postmaster_pid(), Some(pid));
    agent
        .set_write_fence(Some(clock().now() + Duration::from_millis(1000)))
        .await?;
    let guard = agent.fence_guard_pid().expect("guard");
    drop(agent);
    let start = Instant::now();
    // Killed at the deadline (1 s); the time is logged, the bound only catches a guard that
    // does not kill.
    wait_for(
        "postmaster killed by the guard",
        Duration::from_secs(30),
        || async { Ok(!process_alive(pid)) },
    )
    .await?;
    eprintln!(
        "TIMING fence fired {} ms after the agent died (deadline 1000 ms)",
        start.elapsed().as_millis()
    );
    wait_for("guard exit", Duration::from_secs(30), || async {
        Ok(!process_alive(guard))
    })
    .await
}
