//! pg_rewind after a divergence (clean stop and kill -9), the reinit fallback, and failures
//! that must keep the data.

use crate::common::*;
use anyhow::{Context, Result};
use pg_ha_agent::postgres::controldata::ClusterState;
use pg_ha_agent::postgres::Credentials;
use pg_ha_core::postgres::{PgRole, StopMode, Upstream};
use pg_ha_core::{PgError, Postgres};
use std::time::Duration;

/// `a` primary and `b` its standby; then `b` is promoted while `a` still runs, and both take
/// writes: `a`'s last rows exist only on the old timeline.
async fn diverged(
    sandbox: &Sandbox,
    tweak_a: impl FnOnce(&mut pg_ha_agent::postgres::PgSettings),
) -> Result<(Node, Node)> {
    let mut s = settings(sandbox, "a");
    tweak_a(&mut s);
    let a = Node::new(s).await?;
    a.pg.bootstrap().await?;
    a.exec("CREATE TABLE t (v text); INSERT INTO t VALUES ('common')")
        .await?;
    let b = Node::standby_of(sandbox, "b", &a).await?;
    b.wait_rows("SELECT v FROM t", &["common"]).await?;
    b.pg.promote(0).await?;
    a.exec("INSERT INTO t VALUES ('only-a'); SELECT pg_switch_wal()")
        .await?;
    b.exec("INSERT INTO t VALUES ('only-b')").await?;
    Ok((a, b))
}

/// The rejoined old primary streams from `b` and has exactly `b`'s rows.
async fn assert_rejoined(a: &Node, b: &Node) -> Result<()> {
    a.pg.start_standby(Some(&b.upstream())).await?;
    a.wait_streaming().await?;
    let st = a.status().await?;
    assert_eq!(st.role, Some(PgRole::Standby));
    assert_eq!(st.upstream.as_deref(), Some("b"));
    b.exec("INSERT INTO t VALUES ('later')").await?;
    a.wait_rows("SELECT v FROM t ORDER BY v", &["common", "later", "only-b"])
        .await?;
    let conf = std::fs::read_to_string(a.data_dir.join("postgresql.conf"))?;
    assert!(conf.contains("application_name=a"), "{conf}");
    assert!(a.data_dir.join("standby.signal").exists());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rewind_after_a_clean_stop() -> Result<()> {
    let sandbox = Sandbox::new();
    let (a, b) = diverged(&sandbox, |_| {}).await?;
    a.pg.stop(StopMode::Fast).await?;
    timed("rewind (clean stop)", a.pg.rewind(&b.upstream())).await?;
    assert_rejoined(&a, &b).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rewind_after_kill_9() -> Result<()> {
    let sandbox = Sandbox::new();
    let (a, b) = diverged(&sandbox, |_| {}).await?;
    let mut exits = a.pg.subscribe_exits();
    let pid = a.pg.postmaster_pid().expect("running");
    pg_ha_agent::postgres::procs::kill_server(pid);
    tokio::time::timeout(Duration::from_secs(30), exits.changed())
        .await
        .context("the kill was not noticed within 30 s")??;
    assert_eq!(a.pg.controldata().await?.state, ClusterState::InProduction);
    timed(
        "rewind (after kill -9, incl. crash recovery)",
        a.pg.rewind(&b.upstream()),
    )
    .await?;
    assert_rejoined(&a, &b).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_rewind_falls_back_to_reinit() -> Result<()> {
    let sandbox = Sandbox::new();
    let (a, b) = diverged(&sandbox, |s| {
        s.remove_data_directory_on_rewind_failure = true;
    })
    .await?;
    let sysid = b.pg.last_known_sysid();
    a.pg.stop(StopMode::Fast).await?;
    // A node whose rewind credentials are wrong: pg_rewind fails, the clone works.
    let mut s = a.pg.settings().clone();
    s.rewind = Some(Credentials::new("rewinder", "wrong-password"));
    let a_bad = Node::new(s).await?;
    timed("rewind failure + reinit", a_bad.pg.rewind(&b.upstream())).await?;
    assert!(!a_bad.data_dir.with_extension("pg-ha-new").exists());
    assert_eq!(a_bad.pg.controldata().await?.sysid, sysid.expect("sysid"));
    assert_rejoined(&a_bad, &b).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_rewind_and_reinit_keep_the_data() -> Result<()> {
    let sandbox = Sandbox::new();
    let a = Node::primary(&sandbox, "a").await?;
    a.exec("CREATE TABLE t (v text); INSERT INTO t VALUES ('precious')")
        .await?;
    a.pg.stop(StopMode::Fast).await?;
    let sysid = a.pg.controldata().await?.sysid;
    let nowhere = Upstream::member(
        "gone",
        &format!("postgres://127.0.0.1:{}/postgres", free_port()),
    );
    // A source that cannot be reached is not a failed rewind (as Patroni): nothing was
    // tried, so there is no reinit fallback either, and the agent tries again later.
    let err = a.pg.rewind(&nowhere).await.expect_err("no source");
    assert!(matches!(err, PgError::Unreachable(_)), "{err}");
    assert!(err.to_string().contains("rewind source"), "{err}");
    a.pg.set_remove_data_directory_on_rewind_failure(true);
    let err = a.pg.rewind(&nowhere).await.expect_err("still no source");
    assert!(matches!(err, PgError::Unreachable(_)), "{err}");
    let err = a.pg.reinit(&nowhere).await.expect_err("no source");
    assert!(err.to_string().contains("pg_basebackup"), "{err}");
    assert_eq!(a.pg.controldata().await?.sysid, sysid);
    assert!(!a.data_dir.with_extension("pg-ha-new").exists());
    a.pg.start_primary().await?;
    a.wait_rows("SELECT v FROM t", &["precious"]).await
}
