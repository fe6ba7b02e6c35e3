//! A whole node frozen past its lease (a paused VM: postmaster, backends and the fence guard
//! all stopped): with the `pg_ha_lease` extension loaded, no commit is acknowledged after
//! the node resumes, although the backends run again before the guard can kill them.

use crate::common::{clock, settings, Node, Sandbox, DEFAULT_LIB_DIR};
use anyhow::{ensure, Context, Result};
use nix::sys::signal::Signal;
use pg_ha_agent::postgres::procs::signal_server;
use pg_ha_core::{Clock, Postgres};
use std::time::{Duration, Instant};

/// Clients committing at once.
const WRITERS: usize = 4;

/// What the clients saw.
#[derive(Debug)]
pub(crate) struct Freeze {
    /// Commits acknowledged after the node resumed (past the deadline).
    pub(crate) acknowledged_after_resume: usize,
    /// Commits acknowledged before the freeze.
    pub(crate) acknowledged_before: usize,
}

/// A primary (with `pg_ha_lease` preloaded when `extension`), clients committing in a loop,
/// the fence armed 1.5 s ahead; the whole node is frozen 0.5 s in and resumed 0.5 s past
/// the deadline, backends before the guard.
pub(crate) async fn freeze_past_the_lease(sandbox: &Sandbox, extension: bool) -> Result<Freeze> {
    let mut s = settings(sandbox, "frozen");
    if extension {
        let lib = std::path::Path::new(DEFAULT_LIB_DIR).join("pg_ha_lease.so");
        ensure!(
            lib.is_file(),
            "{} is missing: build and install the extension with scripts/install-extension",
            lib.display()
        );
        s.parameters
            .insert("shared_preload_libraries".into(), "pg_ha_lease".into());
    }
    let node = Node::new(s).await?;
    node.pg.bootstrap().await?;
    node.exec("create table frozen(id bigserial primary key)")
        .await?;
    let mut clients = Vec::new();
    for _ in 0..WRITERS {
        clients.push(node.pg.connect_local().await?);
    }
    let ahead = Duration::from_millis(1500);
    let deadline = Instant::now() + ahead;
    node.pg.set_write_fence(Some(clock().now() + ahead)).await?;
    let mut writers = tokio::task::JoinSet::new();
    for client in clients {
        writers.spawn(async move {
            let mut acks = Vec::new();
            loop {
                let insert = client.execute("insert into frozen default values", &[]);
                match tokio::time::timeout(Duration::from_secs(30), insert).await {
                    Ok(Ok(_)) => acks.push(Instant::now()),
                    _ => return acks,
                }
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let postmaster = node.pg.postmaster_pid().context("postmaster")?;
    let guard = node.pg.fence_guard_pid().context("fence guard")?;
    let frozen_at = Instant::now();
    signal(guard, Signal::SIGSTOP);
    signal_server(postmaster, Signal::SIGSTOP);
    tokio::time::sleep_until((deadline + Duration::from_millis(500)).into()).await;
    let resumed_at = Instant::now();
    signal_server(postmaster, Signal::SIGCONT);
    tokio::time::sleep(Duration::from_millis(20)).await;
    signal(guard, Signal::SIGCONT);
    let acks: Vec<Instant> = writers.join_all().await.into_iter().flatten().collect();
    Ok(Freeze {
        acknowledged_after_resume: acks.iter().filter(|t| **t >= resumed_at).count(),
        acknowledged_before: acks.iter().filter(|t| **t < frozen_at).count(),
    })
}

fn signal(pid: u32, sig: Signal) {
    if let Ok(raw) = i32::try_from(pid) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(raw), sig);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_pg_ha_lease_a_node_frozen_past_its_lease_acknowledges_nothing_on_resume() -> Result<()>
{
    let sandbox = Sandbox::new();
    let seen = freeze_past_the_lease(&sandbox, true).await?;
    eprintln!("whole-node freeze with pg_ha_lease: {seen:?}");
    ensure!(
        seen.acknowledged_before > 0,
        "no commit went through before the freeze"
    );
    ensure!(
        seen.acknowledged_after_resume == 0,
        "{} commits were acknowledged after the node resumed past its lease",
        seen.acknowledged_after_resume
    );
    Ok(())
}

/// Shows what the extension prevents (run by hand: whether a backend wins the race against
/// the resumed guard depends on scheduling).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn without_pg_ha_lease_a_frozen_node_acknowledges_commits_on_resume() -> Result<()> {
    let sandbox = Sandbox::new();
    let seen = freeze_past_the_lease(&sandbox, false).await?;
    eprintln!("whole-node freeze without pg_ha_lease: {seen:?}");
    ensure!(seen.acknowledged_after_resume > 0, "{seen:?}");
    Ok(())
}
