//! The fault suite: a real 3-node cluster (a 3-member etcd 3.4, PostgreSQL 15, the agents)
//! and two clients that commit continuously (`faults/writers.rs`), while faults hit the
//! primary's node one after another (`faults/kinds.rs`): kill -9 of the node, kill -9 of
//! PostgreSQL, the agent frozen for 2 x ttl, the whole node frozen for 2 x ttl (a paused VM),
//! the primary cut from etcd, the primary isolated from everything, etcd frozen, the loss of
//! etcd's leader member, a planned switchover. After each fault the suite waits for a
//! healthy cluster (in synchronous mode: with a sync standby in the `sync` key) and
//! reports, per kind: the longest window without an acknowledged commit,
//! the time from the fault's end to a healthy cluster, acknowledged commits missing from the
//! final primary, intervals in which two nodes acknowledged commits, and the faults after
//! which the primary was another node or another postmaster (`restarted`).
//!
//! Every host (3 nodes, 3 etcd members, the client, which is this process) runs in its own
//! network namespace on one bridge (`tests/e2e/netns.rs`): the process sets the network up in
//! the root namespace, then runs the suite in a copy of itself in the client's namespace,
//! and deletes the network at the end.
//!
//! Settings (environment): `FAULTS_PROFILE` = `fast` (ttl 5 / loop_wait 1, the default),
//! `slow` (ttl 20 / loop_wait 2) or `ttl2` (ttl 2 / loop_wait 0.5 / retry_timeout 0.5);
//! `FAULTS_MODE` = `async` (default) or `sync`
//! (synchronous_mode); `FAULTS_FAILSAFE=1` (failsafe_mode); `FAULTS_LEASE=0` (without the
//! pg_ha_lease extension, on by default: scripts/install-extension); `FAULTS_PER_KIND`
//! (default 5: 45 faults); `FAULTS_KINDS` (a comma list of kind names); `FAULTS_SEED` (the
//! order of the faults); `FAULTS_ACKS` (a file: every acknowledged commit as CSV: fault,
//! kind, id, node, timeline, milliseconds since the fault).
//!
//! Run: `scripts/faults` (= `cargo bench -p pg-ha-agent --bench faults`, as root).

#[path = "../tests/e2e/cluster.rs"]
mod cluster;
#[path = "faults/kinds.rs"]
mod kinds;
#[path = "faults/writers.rs"]
mod writers;

use anyhow::{Context, Result};
use cluster::{Cluster, ClusterOptions, Network};
use kinds::Kind;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use writers::Ack;

/// What one fault did.
#[derive(Debug, Clone)]
struct Outcome {
    kind: Kind,
    window: f64,
    healthy_after: f64,
    acknowledged: usize,
    lost: usize,
    two_writers: Vec<f64>,
    /// Whether the primary was another node, or another postmaster, after the fault.
    restarted: bool,
    acks: Vec<Ack>,
    at: Instant,
}

/// The hosts of the suite's network: the client (this process), the nodes, etcd's members.
const HOSTS: [&str; 7] = [
    "client", "node1", "node2", "node3", "etcd1", "etcd2", "etcd3",
];

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn options(network: Arc<Network>) -> ClusterOptions {
    let profile = env("FAULTS_PROFILE", "fast");
    let (ttl, loop_wait, retry_timeout) = match profile.as_str() {
        "slow" => (20, 2.0, 5.0),
        "ttl2" => (2, 0.5, 0.5),
        _ => (5, 1.0, 2.0),
    };
    let mut parameters = Vec::new();
    if env("FAULTS_LEASE", "1") != "0" {
        parameters.push(("shared_preload_libraries".into(), "pg_ha_lease".into()));
    }
    ClusterOptions {
        scope: "faults".into(),
        ttl,
        loop_wait,
        retry_timeout,
        synchronous_mode: env("FAULTS_MODE", "async") == "sync",
        failsafe_mode: env("FAULTS_FAILSAFE", "0") == "1",
        parameters,
        rust_log: env("FAULTS_RUST_LOG", "info"),
        network: Some(network),
        ..ClusterOptions::default()
    }
}

/// The faults to run, in an order shuffled by `seed`.
fn schedule(seed: u64) -> Vec<Kind> {
    let per_kind: usize = env("FAULTS_PER_KIND", "5").parse().unwrap_or(5);
    let wanted = env("FAULTS_KINDS", "");
    let kinds: Vec<Kind> = Kind::ALL
        .into_iter()
        .filter(|k| wanted.is_empty() || wanted.split(',').any(|w| w == k.name()))
        .collect();
    let mut all: Vec<Kind> = kinds
        .iter()
        .flat_map(|k| std::iter::repeat_n(*k, per_kind))
        .collect();
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    for i in (1..all.len()).rev() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        all.swap(i, (state >> 33) as usize % (i + 1));
    }
    all
}

/// The longest time without an acknowledged commit that ends after `from`.
fn longest_window(acks: &[Ack], from: Instant) -> f64 {
    acks.windows(2)
        .filter(|w| w[1].at >= from)
        .map(|w| w[1].at.duration_since(w[0].at).as_secs_f64())
        .fold(0.0, f64::max)
}

/// Intervals in which two nodes both acknowledged commits: where the spans (first to last
/// acknowledgement) of two nodes overlap.
fn two_writer_intervals(acks: &[Ack]) -> Vec<f64> {
    let mut spans: BTreeMap<&str, (Instant, Instant)> = BTreeMap::new();
    for ack in acks {
        let span = spans.entry(&ack.node).or_insert((ack.at, ack.at));
        span.1 = ack.at;
    }
    let spans: Vec<(Instant, Instant)> = spans.into_values().collect();
    let mut out = Vec::new();
    for (i, a) in spans.iter().enumerate() {
        for b in &spans[i + 1..] {
            let (start, end) = (a.0.max(b.0), a.1.min(b.1));
            if start < end {
                out.push(end.duration_since(start).as_secs_f64());
            }
        }
    }
    out
}

/// In synchronous mode, waits until the `sync` key names a standby of `primary`: until then
/// no replica may promote (as on Patroni), and a fault would only measure that.
async fn wait_sync_standby(c: &Cluster, primary: &str) -> Result<()> {
    if !c.options().synchronous_mode {
        return Ok(());
    }
    c.wait_until(
        "a sync standby in the sync key",
        Duration::from_secs(60),
        || async {
            let Some(kv) = c.dcs_get("sync").await? else {
                return Ok(None);
            };
            let sync: serde_json::Value = serde_json::from_str(&kv.value)?;
            let named = sync["leader"] == primary
                && sync["sync_standby"].as_str().is_some_and(|s| !s.is_empty());
            Ok(named.then_some(()))
        },
    )
    .await
}

async fn run_fault(c: &Cluster, n: usize, kind: Kind) -> Result<Outcome> {
    let primary = c.wait_streaming(2, Duration::from_secs(180)).await?;
    wait_sync_standby(c, &primary).await?;
    let postmaster = c.node(&primary).postmaster_pid();
    let table = format!("fault{n}");
    c.node(&primary)
        .execute(&format!("create table {table}(id bigint primary key)"))
        .await?;
    let stop = AtomicBool::new(false);
    let driver = async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let at = Instant::now();
        let injected = kind.inject(c, &primary).await;
        let ended = Instant::now();
        let healthy = c.wait_streaming(2, Duration::from_secs(180)).await;
        let healthy_after = ended.elapsed().as_secs_f64();
        tokio::time::sleep(Duration::from_secs(1)).await;
        stop.store(true, Ordering::SeqCst);
        (at, healthy_after, injected.and(healthy))
    };
    let (pool, rotating, (at, healthy_after, result)) = tokio::join!(
        writers::pool(c, &table, &stop),
        writers::rotating(c, &table, &stop),
        driver
    );
    let now_primary = result?;
    let restarted = now_primary != primary || c.node(&primary).postmaster_pid() != postmaster;
    let stored: BTreeSet<i64> = c
        .node(&now_primary)
        .column(&format!("select id from {table}"))
        .await?
        .iter()
        .filter_map(|v| v.parse().ok())
        .collect();
    let mut acks: Vec<Ack> = pool.into_iter().chain(rotating).collect();
    acks.sort_by_key(|a| a.at);
    let missing: Vec<&Ack> = acks.iter().filter(|a| !stored.contains(&a.id)).collect();
    for ack in missing.iter().take(10) {
        eprintln!(
            "  lost: id {} acknowledged by {} on timeline {} at {:+.3} s (final primary {now_primary})",
            ack.id,
            ack.node,
            ack.timeline,
            signed_secs(ack.at, at)
        );
    }
    let lost = missing.len();
    Ok(Outcome {
        kind,
        window: longest_window(&acks, at),
        healthy_after,
        acknowledged: acks.len(),
        lost,
        two_writers: two_writer_intervals(&acks),
        restarted,
        acks,
        at,
    })
}

/// `t - origin` in seconds, negative when `t` is earlier.
fn signed_secs(t: Instant, origin: Instant) -> f64 {
    t.saturating_duration_since(origin).as_secs_f64()
        - origin.saturating_duration_since(t).as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

fn report(outcomes: &[Outcome], seed: u64, options: &ClusterOptions) {
    println!(
        "\nfault suite: ttl {} / loop_wait {}, synchronous_mode {}, failsafe_mode {}, \
         extension {}, seed {seed}, {} faults",
        options.ttl,
        options.loop_wait,
        options.synchronous_mode,
        options.failsafe_mode,
        !options.parameters.is_empty(),
        outcomes.len()
    );
    println!(
        "{:<14} {:>6} {:>22} {:>16} {:>9} {:>6} {:>22} {:>10}",
        "kind",
        "faults",
        "window median / max",
        "healthy after",
        "acked",
        "lost",
        "two writers (longest)",
        "restarted"
    );
    for kind in Kind::ALL {
        let of: Vec<&Outcome> = outcomes.iter().filter(|o| o.kind == kind).collect();
        if of.is_empty() {
            continue;
        }
        let windows: Vec<f64> = of.iter().map(|o| o.window).collect();
        let overlaps: Vec<f64> = of.iter().flat_map(|o| o.two_writers.clone()).collect();
        println!(
            "{:<14} {:>6} {:>10.3} s / {:>6.3} s {:>14.2} s {:>9} {:>6} {:>12} ({:.3} s) {:>10}",
            kind.name(),
            of.len(),
            median(windows.clone()),
            windows.iter().copied().fold(0.0, f64::max),
            median(of.iter().map(|o| o.healthy_after).collect()),
            of.iter().map(|o| o.acknowledged).sum::<usize>(),
            of.iter().map(|o| o.lost).sum::<usize>(),
            overlaps.len(),
            overlaps.iter().copied().fold(0.0, f64::max),
            of.iter().filter(|o| o.restarted).count()
        );
    }
}

/// Appends every acknowledged commit of `outcome` (fault `n`) to the `FAULTS_ACKS` file.
fn record_acks(n: usize, outcome: &Outcome) -> Result<()> {
    let Ok(path) = std::env::var("FAULTS_ACKS") else {
        return Ok(());
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("open {path}"))?;
    for ack in &outcome.acks {
        let ms = (signed_secs(ack.at, outcome.at) * 1000.0).round() as i64;
        writeln!(
            file,
            "{n},{},{},{},{},{ms}",
            outcome.kind.name(),
            ack.id,
            ack.node,
            ack.timeline
        )?;
    }
    Ok(())
}

/// Sets up the network in the root namespace and runs the suite in the client's namespace
/// (a copy of this process); inside it, runs the suite.
fn main() -> Result<()> {
    if std::env::args().any(|a| a == "--list") {
        return Ok(());
    }
    if let Some(network) = Network::current() {
        return tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?
            .block_on(suite(Arc::new(network)));
    }
    let network = Network::create(&HOSTS).context("set up the test network")?;
    let status = network.reexec_in("client")?;
    drop(network);
    anyhow::ensure!(status.success(), "the fault suite failed ({status})");
    Ok(())
}

async fn suite(network: Arc<Network>) -> Result<()> {
    let seed: u64 = env("FAULTS_SEED", "1").parse().context("FAULTS_SEED")?;
    let options = options(network);
    let faults = schedule(seed);
    let cluster = Cluster::start(3, options.clone()).await?;
    let mut outcomes = Vec::new();
    let mut failure = None;
    for (n, kind) in faults.iter().enumerate() {
        match run_fault(&cluster, n, *kind).await {
            Ok(outcome) => {
                eprintln!(
                    "fault {}/{} {}: window {:.3} s, healthy {:.2} s after, {} acked, {} lost, {} two-writer intervals, restarted {}",
                    n + 1,
                    faults.len(),
                    kind.name(),
                    outcome.window,
                    outcome.healthy_after,
                    outcome.acknowledged,
                    outcome.lost,
                    outcome.two_writers.len(),
                    outcome.restarted
                );
                record_acks(n, &outcome)?;
                outcomes.push(outcome);
            }
            Err(e) => {
                failure = Some(format!("fault {} ({}) failed: {e:#}", n + 1, kind.name()));
                break;
            }
        }
    }
    report(&outcomes, seed, &options);
    let result = cluster.finish(Ok(())).await;
    if let Some(f) = failure {
        anyhow::bail!(f);
    }
    result
}
