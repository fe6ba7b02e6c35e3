//! Promotion above a taken timeline: a standby on timeline 1 whose cluster already saw
//! timeline 2 (its primary promoted a node that then died) promotes onto timeline 3; the lost
//! timeline-2 node rewinds onto it, and a standby left on timeline 1 streams from it too.

use crate::common::*;
use anyhow::Result;
use pg_ha_core::postgres::{PgRole, StopMode};
use pg_ha_core::Postgres;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_behind_a_lost_timeline_promotes_above_it() -> Result<()> {
    let sandbox = Sandbox::new();
    let a = Node::primary(&sandbox, "a").await?;
    a.exec("CREATE TABLE t (v text); INSERT INTO t VALUES ('one')")
        .await?;
    let b = Node::standby_of(&sandbox, "b", &a).await?;
    let c = Node::standby_of(&sandbox, "c", &a).await?;
    let d = Node::standby_of(&sandbox, "d", &a).await?;
    for standby in [&b, &c, &d] {
        standby.wait_rows("SELECT v FROM t", &["one"]).await?;
    }

    // a stops; b promotes to timeline 2 and writes, but c never follows it and b is lost.
    a.pg.stop(StopMode::Fast).await?;
    b.pg.promote(0).await?;
    assert_eq!(b.status().await?.timeline, Some(2));
    b.exec("INSERT INTO t VALUES ('on the lost timeline 2')")
        .await?;
    b.pg.stop(StopMode::Immediate).await?;

    // c, still on timeline 1, promotes above the taken timeline 2.
    assert_eq!(c.status().await?.timeline, Some(1));
    c.pg.promote(2).await?;
    let st = c.status().await?;
    assert_eq!(st.role, Some(PgRole::Primary));
    assert_eq!(st.timeline, Some(3), "timeline 2 is taken: c must skip it");
    assert_eq!(
        st.timeline_history.iter().map(|e| e.0).collect::<Vec<_>>(),
        vec![1],
        "timeline 3 descends from timeline 1 directly"
    );
    // The placeholder stays: standbys on timeline 1 ask for every history file up to 3.
    let placeholder = c.data_dir.join("pg_wal/00000002.history");
    assert!(
        std::fs::read_to_string(&placeholder)?.starts_with('#'),
        "{} must hold the placeholder",
        placeholder.display()
    );
    c.exec("INSERT INTO t VALUES ('on timeline 3')").await?;

    // d, left on timeline 1, follows c: its WAL receiver asks c for the history of every
    // timeline up to 3, the skipped 2 included.
    d.pg.follow(Some(&c.upstream())).await?;
    d.wait_streaming().await?;
    d.wait_rows("SELECT v FROM t ORDER BY v", &["on timeline 3", "one"])
        .await?;

    // b, on the lost timeline 2, rewinds onto c's timeline 3 and streams from it.
    b.pg.rewind(&c.upstream()).await?;
    b.pg.start_standby(Some(&c.upstream())).await?;
    b.wait_streaming().await?;
    b.wait_rows("SELECT v FROM t ORDER BY v", &["on timeline 3", "one"])
        .await?;
    assert_eq!(b.status().await?.timeline, Some(3));
    Ok(())
}
