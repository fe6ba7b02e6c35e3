//! A healthy cluster stays as it is: no failover, no restart, no replica dropping out while
//! nothing goes wrong (what short timings such as ttl 2 must not break with needless
//! demotions).

use crate::cluster::Cluster;
use crate::replication::int;
use crate::step;
use anyhow::{ensure, Context, Result};
use std::time::{Duration, Instant};

/// Watches the cluster led by `primary` for `window`, every 200 ms: `primary` is the only
/// node that answers `GET /primary`, its timeline does not move, and at the end both other
/// nodes still stream from it.
pub(crate) async fn stays_steady(c: &Cluster, primary: &str, window: Duration) -> Result<()> {
    step(&format!(
        "steady: {primary} leads for {window:?} with nothing failing"
    ));
    let timeline = int(&c.node(primary).patroni().await?["timeline"])
        .with_context(|| format!("{primary}'s /patroni shows no timeline at the start"))?;
    let started = Instant::now();
    while started.elapsed() < window {
        let primaries = c.primaries().await;
        ensure!(
            primaries == [primary],
            "{:.1} s into a quiet window the primaries are {primaries:?}, not [{primary}]",
            started.elapsed().as_secs_f64()
        );
        let now = int(&c.node(primary).patroni().await?["timeline"]).with_context(|| {
            format!(
                "{:.1} s into a quiet window {primary}'s /patroni shows no timeline",
                started.elapsed().as_secs_f64()
            )
        })?;
        ensure!(
            now == timeline,
            "{primary}'s timeline moved from {timeline} to {now} in a quiet window"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let streaming = c.streaming_from(primary).await?;
    ensure!(
        streaming.len() == 2,
        "after the quiet window only {streaming:?} stream from {primary}"
    );
    step(&format!(
        "steady: {primary} kept the lead, {streaming:?} streaming"
    ));
    Ok(())
}
