//! A new primary lost before anyone followed it: the cluster must not stay leaderless.
//!
//! node A is the primary; B's agent is frozen (its PostgreSQL keeps streaming from A). A's
//! node is killed, C wins the race and promotes to the next timeline, and C's node is killed
//! as soon as it takes writes, before B's agent could re-point B. B, still on the old
//! timeline, is resumed: it must take over (on a timeline above C's, never reusing C's
//! number), keep every row both replicas had, and A and C must rejoin it (C by pg_rewind
//! from its lost timeline).

use crate::cluster::Cluster;
use crate::replication::{int, wait_replayed, wait_timeline_above, wait_value};
use crate::{step, BOOTSTRAP, FAILOVER, REJOIN};
use anyhow::{ensure, Context, Result};
use std::time::Instant;

/// The scenario above.
pub(crate) async fn new_primary_lost_before_anyone_followed(c: &Cluster) -> Result<()> {
    let a = c.wait_streaming(2, BOOTSTRAP).await?;
    let others = c.others(&a);
    let (b, cc) = (others[0].clone(), others[1].clone());
    let primary = c.node(&a);
    primary
        .execute("create table e2e_lost(id int primary key)")
        .await?;
    primary
        .execute("insert into e2e_lost select generate_series(1, 500)")
        .await?;
    wait_replayed(c, &a, &others).await?;
    let old_timeline = int(&primary.patroni().await?["timeline"]).context("timeline")?;

    step(&format!(
        "lost: freezing {b}'s agent, kill -9 of {a}'s node"
    ));
    c.node(&b).freeze_agent()?;
    primary.kill9_agent_and_pg();
    let promoted = c.wait_for_new_primary(&a, FAILOVER).await?;
    ensure!(
        promoted == cc,
        "{promoted} promoted while {b}'s agent was frozen"
    );
    let lost_timeline = wait_timeline_above(c, &cc, old_timeline).await?;
    step(&format!(
        "lost: {cc} promoted to timeline {lost_timeline}; kill -9 of its node before {b} follows"
    ));
    c.node(&cc).kill9_agent_and_pg();

    let resumed = Instant::now();
    c.node(&b).thaw_agent()?;
    let new = c.wait_for_new_primary(&cc, FAILOVER).await?;
    ensure!(new == b, "{new} is primary; expected {b}");
    let timeline = wait_timeline_above(c, &b, old_timeline).await?;
    step(&format!(
        "lost: {b} is a writable primary on timeline {timeline} {:.1} s after its agent resumed",
        resumed.elapsed().as_secs_f64()
    ));
    ensure!(
        timeline > lost_timeline && lost_timeline > old_timeline,
        "timelines: old {old_timeline}, lost {lost_timeline}, new {timeline}: the new timeline \
         must be above the lost one"
    );
    let rows = c
        .node(&b)
        .query_one("select count(*) from e2e_lost")
        .await?;
    ensure!(
        rows == "500",
        "{b} has {rows} rows; both replicas had replayed 500"
    );
    c.node(&b)
        .execute("insert into e2e_lost values (501)")
        .await?;

    step(&format!("lost: restarting {a} and {cc}"));
    c.node(&a).restart_agent()?;
    c.node(&cc).restart_agent()?;
    for name in [&a, &cc] {
        c.wait_replica_streaming(name, REJOIN).await?;
        wait_value(c, name, "select count(*) from e2e_lost", "501", REJOIN).await?;
    }
    ensure!(
        c.node(&cc).log().contains("running pg_rewind"),
        "{cc} rejoined from its lost timeline without pg_rewind"
    );
    step(&format!("lost: {a} and {cc} stream from {b} again"));
    Ok(())
}
