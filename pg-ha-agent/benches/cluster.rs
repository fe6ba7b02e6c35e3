//! Cluster benchmark: real 3-node clusters (etcd 3.4, PostgreSQL 15, loopback) measured
//! the way an operator feels them, with medians over several runs:
//!
//! - boot: from starting etcd and three agents on empty data directories to a primary
//!   with two streaming replicas;
//! - node loss: `kill -9` of the primary's agent and PostgreSQL to the first successful
//!   write on another node;
//! - postmaster crash: `kill -9` of the primary's postmaster only to the first successful
//!   write anywhere;
//! - planned switchover: the longest window without a successful write while a writer
//!   inserts every few milliseconds into whichever node accepts writes;
//! - back to full redundancy: from a switchover request, and from a postmaster kill -9,
//!   until both replicas stream from the primary (its `pg_stat_replication`);
//! - idle: the agents' resident memory and CPU, and the requests the idle cluster sends
//!   etcd per second, per gRPC method (etcd's own counters);
//! - REST health checks: the latency of `GET /primary` with 100 checkers polling at once.
//!
//! pg-ha runs at ttl 2 (loop_wait 0.5, retry_timeout 0.5) and ttl 5 (real capabilities:
//! Patroni refuses a ttl below 20; both are compared with Patroni's tuned 20/2/3) and at exactly
//! Patroni's settings; with `PATRONI=/path/to/patroni` Patroni 4.1.5 runs at the same
//! settings in the same run, with the same YAML, harness and PostgreSQL, and the table
//! gives each pg-ha column's ratio to Patroni's at the same settings. The settings are
//! `20/2/3` (ttl / loop_wait / retry_timeout, a tuned Patroni) and `30/10/10` (Patroni's
//! defaults); `BENCH_SETTINGS` (a comma list of `ttl2`, `ttl5`, `20/2/3`, `30/10/10`) picks them.
//! `BENCH_RUNS` (default 5) sets the runs per measurement; `BENCH_IDLE_SECS` (default 30)
//! the idle window; `BENCH_ONLY` (a comma list of `boot`, `idle`, `rest`, `switchover`,
//! `crash`, `node_loss`) the measurements to run; `BENCH_RUST_LOG` (default `warn`)
//! pg-ha's log level, with `E2E_KEEP=1` to read the logs.
//!
//! Run: `scripts/bench-cluster` (installs Patroni; as root: PostgreSQL runs as `postgres`),
//! or `cargo bench -p pg-ha-agent --bench cluster` for pg-ha alone.

#[path = "../tests/e2e/cluster.rs"]
mod cluster;
#[path = "cluster/load.rs"]
mod load;
#[path = "cluster/measure.rs"]
mod measure;
#[path = "cluster/report.rs"]
mod report;

use anyhow::Result;
use cluster::{AgentProgram, Cluster, ClusterOptions};
use measure::Samples;
use std::path::PathBuf;
use std::time::Instant;

/// One implementation under test and its settings.
pub(crate) struct Subject {
    /// The column header.
    pub(crate) label: String,
    /// The settings label shared with the baseline it is compared with.
    pub(crate) settings: &'static str,
    /// Patroni (the baseline) or pg-ha.
    pub(crate) patroni: bool,
    options: ClusterOptions,
}

/// The settings compared: a label and (ttl, loop_wait, retry_timeout); `ttl2` and `ttl5`
/// are pg-ha's own, compared with Patroni's tuned 20/2/3.
const SETTINGS: [(&str, u64, f64, f64); 4] = [
    ("ttl2", 2, 0.5, 0.5),
    ("ttl5", 5, 1.0, 2.0),
    ("20/2/3", 20, 2.0, 3.0),
    ("30/10/10", 30, 10.0, 10.0),
];

fn settings_selected(name: &str) -> bool {
    std::env::var("BENCH_SETTINGS").map_or(true, |only| only.split(',').any(|n| n.trim() == name))
}

fn subjects() -> Vec<Subject> {
    let patroni = std::env::var_os("PATRONI").map(PathBuf::from);
    let mut out = Vec::new();
    for (name, ttl, loop_wait, retry_timeout) in SETTINGS {
        if !settings_selected(name) {
            continue;
        }
        let options = ClusterOptions {
            scope: "bench".into(),
            ttl,
            loop_wait,
            retry_timeout,
            rust_log: std::env::var("BENCH_RUST_LOG").unwrap_or_else(|_| "warn".into()),
            ..ClusterOptions::default()
        };
        out.push(Subject {
            label: format!("pg-ha {ttl}/{loop_wait}/{retry_timeout}"),
            settings: name,
            patroni: false,
            options: options.clone(),
        });
        if let (Some(program), true) = (&patroni, !name.starts_with("ttl")) {
            out.push(Subject {
                label: format!("Patroni {ttl}/{loop_wait}/{retry_timeout}"),
                settings: name,
                patroni: true,
                options: ClusterOptions {
                    program: AgentProgram::Patroni(program.clone()),
                    ..options
                },
            });
        }
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
        let mut samples = Samples::default();
        let boots = if selected("boot") { runs } else { 1 };
        let mut cluster = None;
        for run in 1..=boots {
            if let Some(previous) = cluster.take() {
                Cluster::finish(previous, Ok(())).await?;
            }
            let started = Instant::now();
            let booted = Cluster::start(3, subject.options.clone()).await?;
            if let Err(e) = measure::settle(&booted).await {
                return booted.finish(Err(e)).await;
            }
            let secs = started.elapsed().as_secs_f64();
            if selected("boot") {
                eprintln!("   boot {run}: primary and 2 streaming replicas after {secs:.3} s");
                samples.boot.push(secs);
            }
            cluster = Some(booted);
        }
        let Some(cluster) = cluster else {
            continue;
        };
        match measure_all(&cluster, &mut samples, runs, idle_secs).await {
            Ok(()) => {
                cluster.finish(Ok(())).await?;
                results.push((subject, samples));
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

async fn measure_all(
    cluster: &Cluster,
    samples: &mut Samples,
    runs: usize,
    idle_secs: u64,
) -> Result<()> {
    let primary = measure::settle(cluster).await?;
    if selected("idle") {
        samples.idle = Some(measure::idle_usage(cluster, idle_secs).await?);
        let window = std::time::Duration::from_secs(idle_secs);
        let load = load::idle_dcs_requests(cluster, window).await?;
        eprintln!("   idle etcd requests per second: {load:?}");
        samples.dcs_load = Some(load);
    }
    if selected("rest") {
        let window = std::time::Duration::from_secs(5);
        let latencies = load::rest_latency(cluster, &primary, 100, window).await?;
        eprintln!(
            "   REST GET /primary, 100 checkers: {} answers, median {:.2} ms",
            latencies.len(),
            report::median(&latencies)
        );
        samples.rest_ms = latencies;
    }
    let runs_of = |name: &str| if selected(name) { runs } else { 0 };
    for run in 1..=runs_of("switchover") {
        let (s, r) = measure::switchover(cluster).await?;
        eprintln!("   switchover {run}: longest unwritable window {s:.3} s, both replicas stream after {r:.3} s");
        samples.switchover.push(s);
        samples.redundancy_switchover.push(r);
        measure::settle(cluster).await?;
    }
    for run in 1..=runs_of("crash") {
        let (s, r) = measure::postmaster_crash(cluster).await?;
        eprintln!("   postmaster crash {run}: writable again after {s:.3} s, both replicas stream after {r:.3} s");
        samples.postmaster_crash.push(s);
        samples.redundancy_crash.push(r);
        measure::settle(cluster).await?;
    }
    for run in 1..=runs_of("node_loss") {
        let s = measure::node_loss(cluster).await?;
        eprintln!("   node loss {run}: first write elsewhere after {s:.3} s");
        samples.node_loss.push(s);
        measure::settle(cluster).await?;
    }
    Ok(())
}
