//! Cluster benchmark: real 3-node clusters (etcd 3.4, PostgreSQL 15, loopback) measured
//! the way an operator feels them, with medians over several runs:
//!
//! - node loss: `kill -9` of the primary's agent and PostgreSQL to the first successful
//!   write on another node;
//! - postmaster crash: `kill -9` of the primary's postmaster only to the first successful
//!   write anywhere;
//! - planned switchover: the longest window without a successful write while a writer
//!   inserts every few milliseconds into whichever node accepts writes;
//! - the agent's idle resident memory and CPU.
//!
//! With `PATRONI=/path/to/patroni` the same measurements run on Patroni in the same run, at
//! its fastest settings (ttl 20, loop_wait 1, retry_timeout 3), with the same YAML, harness
//! and PostgreSQL, and the table gives the ratios. `BENCH_RUNS` (default 5) sets the runs
//! per measurement; `BENCH_IDLE_SECS` (default 30) the idle CPU window; `BENCH_ONLY` (a
//! comma list of `idle`, `switchover`, `crash`, `node_loss`) the measurements to run;
//! `BENCH_RUST_LOG` (default `warn`) pg-ha's log level, with `E2E_KEEP=1` to read the logs.
//!
//! Run: `cargo bench -p pg-ha-agent --bench cluster` (as root: PostgreSQL runs as `postgres`).

#[path = "../tests/e2e/cluster.rs"]
mod cluster;
#[path = "cluster/measure.rs"]
mod measure;
#[path = "cluster/report.rs"]
mod report;

use anyhow::Result;
use cluster::{AgentProgram, Cluster, ClusterOptions};
use measure::Samples;
use std::path::PathBuf;

/// One implementation under test and its settings.
struct Subject {
    label: &'static str,
    options: ClusterOptions,
}

fn subjects() -> Vec<Subject> {
    let mut out = vec![Subject {
        label: "pg-ha (ttl 5)",
        options: ClusterOptions {
            scope: "bench".into(),
            rust_log: std::env::var("BENCH_RUST_LOG").unwrap_or_else(|_| "warn".into()),
            ..ClusterOptions::default()
        },
    }];
    if let Some(patroni) = std::env::var_os("PATRONI") {
        out.push(Subject {
            label: "Patroni 4.1.5 (ttl 20)",
            options: ClusterOptions {
                scope: "bench".into(),
                ttl: 20,
                loop_wait: 1,
                retry_timeout: 3,
                program: AgentProgram::Patroni(PathBuf::from(patroni)),
                ..ClusterOptions::default()
            },
        });
    }
    out
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    if std::env::args().any(|a| a == "--list") {
        return Ok(());
    }
    let runs = env_number("BENCH_RUNS", 5);
    let idle_secs = env_number("BENCH_IDLE_SECS", 30) as u64;
    let mut results = Vec::new();
    for subject in subjects() {
        eprintln!("== {}: {runs} runs per measurement", subject.label);
        let cluster = Cluster::start(3, subject.options).await?;
        let measured = measure_all(&cluster, runs, idle_secs).await;
        match measured {
            Ok(samples) => {
                cluster.finish(Ok(())).await?;
                results.push((subject.label, samples));
            }
            Err(e) => return cluster.finish(Err(e)).await,
        }
    }
    report::print(&results);
    Ok(())
}

/// True when `BENCH_ONLY` is unset or lists `name`.
fn selected(name: &str) -> bool {
    std::env::var("BENCH_ONLY").map_or(true, |only| only.split(',').any(|n| n.trim() == name))
}

async fn measure_all(cluster: &Cluster, runs: usize, idle_secs: u64) -> Result<Samples> {
    let mut samples = Samples::default();
    measure::settle(cluster).await?;
    if selected("idle") {
        samples.idle = Some(measure::idle_usage(cluster, idle_secs).await?);
    }
    let runs_of = |name: &str| if selected(name) { runs } else { 0 };
    for run in 1..=runs_of("switchover") {
        let s = measure::switchover(cluster).await?;
        eprintln!("   switchover {run}: longest unwritable window {s:.3} s");
        samples.switchover.push(s);
        measure::settle(cluster).await?;
    }
    for run in 1..=runs_of("crash") {
        let s = measure::postmaster_crash(cluster).await?;
        eprintln!("   postmaster crash {run}: writable again after {s:.3} s");
        samples.postmaster_crash.push(s);
        measure::settle(cluster).await?;
    }
    for run in 1..=runs_of("node_loss") {
        let s = measure::node_loss(cluster).await?;
        eprintln!("   node loss {run}: first write elsewhere after {s:.3} s");
        samples.node_loss.push(s);
        measure::settle(cluster).await?;
    }
    Ok(samples)
}
