//! How long a fenced primary keeps acknowledging commits: clients commit in a loop while the
//! write fence's deadline passes, and the window is the time from the deadline (the lease
//! budget's end, as the agent passes it) to the last commit a client saw acknowledged. The
//! guard fires [`SAFETY`] before that deadline. A real_pg test measures it once; the `fence` benchmark
//! reports the median and maximum over many runs.

use crate::common::{clock, Node, Sandbox};
use anyhow::{ensure, Context, Result};
use pg_ha_agent::postgres::fence::SAFETY;
use pg_ha_core::{Clock, Postgres};
use std::time::{Duration, Instant};

/// Clients committing at once.
pub(crate) const WRITERS: usize = 4;

/// How far ahead the deadline is set once the writers run.
const AHEAD: Duration = Duration::from_millis(1000);

/// One measurement.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    /// Last acknowledged commit minus the deadline, in ms (negative: before it).
    pub(crate) last_commit_ms: f64,
    /// Last acknowledged commit minus the time the guard fired (deadline - [`SAFETY`]).
    pub(crate) after_fire_ms: f64,
    /// Commits acknowledged while the fence was armed.
    pub(crate) commits: u64,
}

/// A fresh primary named `name` in `sandbox`; [`WRITERS`] clients commit one-row inserts in a
/// loop; the fence is armed [`AHEAD`] of now; measures until every client saw its error.
pub(crate) async fn measure(sandbox: &Sandbox, name: &str) -> Result<Window> {
    let node = Node::primary(sandbox, name).await?;
    node.exec("create table fence_window(id bigserial primary key)")
        .await?;
    let mut clients = Vec::new();
    for _ in 0..WRITERS {
        clients.push(node.pg.connect_local().await?);
    }
    let deadline = Instant::now() + AHEAD;
    node.pg.set_write_fence(Some(clock().now() + AHEAD)).await?;
    let mut writers = tokio::task::JoinSet::new();
    for client in clients {
        writers.spawn(async move {
            let mut last = None;
            let mut commits = 0u64;
            loop {
                let insert = client.execute("insert into fence_window default values", &[]);
                match tokio::time::timeout(Duration::from_secs(30), insert).await {
                    Ok(Ok(_)) => {
                        last = Some(Instant::now());
                        commits += 1;
                    }
                    _ => return (last, commits),
                }
            }
        });
    }
    let results = writers.join_all().await;
    let last = results
        .iter()
        .filter_map(|(last, _)| *last)
        .max()
        .context("no commit was acknowledged")?;
    let commits = results.iter().map(|(_, n)| n).sum();
    ensure!(commits > 0, "no commit went through");
    let last_commit_ms = if last >= deadline {
        last.duration_since(deadline).as_secs_f64() * 1000.0
    } else {
        -(deadline.duration_since(last).as_secs_f64() * 1000.0)
    };
    Ok(Window {
        last_commit_ms,
        after_fire_ms: last_commit_ms + SAFETY.as_secs_f64() * 1000.0,
        commits,
    })
}
