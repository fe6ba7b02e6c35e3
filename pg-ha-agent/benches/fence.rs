//! Fence benchmark: how long a primary whose write fence expired keeps acknowledging
//! commits. Each run bootstraps a real PostgreSQL 15 primary, lets 4 clients commit one-row
//! inserts in a loop, arms the fence 1 s ahead, and measures the time from the deadline to
//! the last commit any client saw acknowledged. Reports the median and maximum over
//! `BENCH_RUNS` runs (default 10) against the 100 ms target.
//!
//! Run: `cargo bench -p pg-ha-agent --bench fence` (as root: PostgreSQL runs as `postgres`).

#[allow(dead_code)]
#[path = "../tests/real_pg/common.rs"]
mod common;
#[path = "../tests/real_pg/fence_window.rs"]
mod fence_window;

use anyhow::Result;

/// The target: no commit acknowledged later than this after the deadline.
const TARGET_MS: f64 = 100.0;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    if std::env::args().any(|a| a == "--list") {
        return Ok(());
    }
    common::require_pg();
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let mut windows = Vec::new();
    let mut fired = Vec::new();
    for run in 0..runs {
        let sandbox = common::Sandbox::new();
        let window = fence_window::measure(&sandbox, &format!("fence{run}")).await?;
        eprintln!(
            "run {}: last commit {:+.1} ms after the deadline, {:+.1} ms after the guard fired \
             ({} commits)",
            run + 1,
            window.last_commit_ms,
            window.after_fire_ms,
            window.commits
        );
        windows.push(window.last_commit_ms);
        fired.push(window.after_fire_ms);
    }
    fired.sort_by(f64::total_cmp);
    windows.sort_by(f64::total_cmp);
    let median = windows[windows.len() / 2];
    let max = windows[windows.len() - 1];
    println!(
        "fence: last acknowledged commit after the deadline: median {median:+.1} ms, \
         max {max:+.1} ms over {runs} runs ({} clients; after the guard fired, {} ms \
         early: median {:+.1} ms, max {:+.1} ms); target <= {TARGET_MS} ms: {}",
        fence_window::WRITERS,
        pg_ha_agent::postgres::fence::SAFETY.as_millis(),
        fired[fired.len() / 2],
        fired[fired.len() - 1],
        if max <= TARGET_MS { "met" } else { "MISSED" }
    );
    Ok(())
}
