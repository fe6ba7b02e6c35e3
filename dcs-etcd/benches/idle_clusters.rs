//! What one 3-member etcd carries for many idle pg-ha clusters: `IDLE_CLUSTERS` (default
//! 1,000) clusters of 3 nodes each, every node an [`EtcdDcs`] driven the way the agent's loop
//! drives it while nothing changes (PostgreSQL is not the subject: the DCS calls are), at
//! ttl 20 / loop_wait 2:
//!
//! - every cycle: `read_recent` (the observation), then the leader `renew_leader`, each
//!   replica `refresh_member` once 0.9 loop_wait has passed (an unchanged member key), then
//!   `wait_for_change` bounded by loop_wait;
//! - measured over `IDLE_SECS` (default 60) once every node ran a few cycles: the requests
//!   etcd started, per gRPC method (its own counters), and the CPU time and resident memory of
//!   the etcd members.
//!
//! Run: `cargo bench -p dcs-etcd --bench idle_clusters` (`IDLE_CLUSTERS=100` for a quick one).

#[path = "../tests/support/mod.rs"]
mod support;

use dcs_etcd::EtcdDcs;
use pg_ha_core::Dcs;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::EtcdCluster;

const TTL: Duration = Duration::from_secs(20);
const LOOP_WAIT: Duration = Duration::from_secs(2);
const MEMBER: &str = r#"{"conn_url":"postgres://127.0.0.1:5432/postgres","api_url":"http://127.0.0.1:8008/patroni","state":"running","role":"replica","version":"4.1.5"}"#;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let clusters = env_number("IDLE_CLUSTERS", 1000) as usize;
    let window = Duration::from_secs(env_number("IDLE_SECS", 60));
    let etcd = Arc::new(EtcdCluster::start_n(3).await);
    println!("{clusters} idle clusters of 3 nodes on one 3-member etcd 3.4, ttl 20 / loop_wait 2");
    let started = Instant::now();
    for c in 0..clusters {
        for node in 0..3 {
            let dcs = etcd.client(&format!("idle-{c}"));
            tokio::spawn(idle_node(dcs, node));
        }
        if c % 100 == 99 {
            // Let the first cycles of each batch run before the next batch connects.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    println!(
        "started {} nodes in {:.1} s; settling for 3 ttl",
        clusters * 3,
        started.elapsed().as_secs_f64()
    );
    tokio::time::sleep(TTL * 3).await;
    let pids = etcd.pids();
    let before = (etcd.started_requests().await, cpu_ticks(&pids));
    tokio::time::sleep(window).await;
    let after = (etcd.started_requests().await, cpu_ticks(&pids));
    let secs = window.as_secs_f64();
    let mut total = 0.0;
    println!("etcd requests per second over {secs:.0} s (all members):");
    for (method, count) in &after.0 {
        let rate = count.saturating_sub(before.0.get(method).copied().unwrap_or(0)) as f64 / secs;
        if rate > 0.0 {
            println!(
                "  {method:<16} {rate:>9.1}/s  ({:.3}/s per cluster)",
                rate / clusters as f64
            );
            total += rate;
        }
    }
    println!(
        "  {:<16} {total:>9.1}/s  ({:.3}/s per cluster)",
        "all",
        total / clusters as f64
    );
    for (i, pid) in pids.iter().enumerate() {
        let used = after.1[i].saturating_sub(before.1[i]) as f64 / 100.0;
        println!(
            "etcd member {i}: CPU {:.1} % of one core, RSS {:.0} MiB",
            100.0 * used / secs,
            rss_kib(*pid) as f64 / 1024.0
        );
    }
}

/// One node's loop while nothing changes: node 0 leads, the others are replicas.
async fn idle_node(dcs: EtcdDcs, node: usize) {
    let name = format!("n{node}");
    let leader = node == 0;
    // Start-up: the leader takes the key; everyone writes its member key.
    if leader {
        let _ = dcs.acquire_leader(&name, TTL).await;
    }
    let _ = dcs.touch_member(&name, MEMBER, TTL).await;
    let mut published = Instant::now();
    loop {
        let Ok(snapshot) = dcs.read_recent().await else {
            tokio::time::sleep(LOOP_WAIT).await;
            continue;
        };
        if leader {
            let _ = dcs.renew_leader(&name, TTL).await;
        }
        if published.elapsed() >= LOOP_WAIT.mul_f64(0.9) {
            let _ = dcs.refresh_member(&name, MEMBER, TTL).await;
            published = Instant::now();
        }
        let _ = tokio::time::timeout(LOOP_WAIT, dcs.wait_for_change(snapshot.revision)).await;
    }
}

/// utime + stime of each pid, in clock ticks (0 when unreadable).
fn cpu_ticks(pids: &[u32]) -> Vec<u64> {
    pids.iter()
        .map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let fields: Vec<&str> = stat
                .rsplit_once(')')
                .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
            let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
            field(11).unwrap_or(0) + field(12).unwrap_or(0)
        })
        .collect()
}

/// VmRSS of `pid` in KiB (0 when unreadable).
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}
