//! Latency of the etcd backend against a loopback etcd started for the run: median (and p90)
//! of acquire, renew and a full cluster read.
//!
//! Run with `cargo bench -p dcs-etcd --bench latency` (optionally `-- <iterations>`).

#[path = "../tests/support/mod.rs"]
mod support;

use pg_ha_core::model::{Condition, Key};
use pg_ha_core::Dcs;
use std::future::Future;
use std::time::{Duration, Instant};
use support::EtcdCluster;

const TTL: Duration = Duration::from_secs(30);
const MEMBER: &str = r#"{"conn_url":"postgres://127.0.0.1:54321/postgres","api_url":"http://127.0.0.1:8008/patroni","state":"running","role":"replica","version":"4.1.5","xlog_location":50331648,"receive_lsn":50331648,"replay_lsn":50331648,"replication_state":"streaming","timeline":1}"#;
const CONFIG: &str = r#"{"loop_wait":10,"maximum_lag_on_failover":1048576,"postgresql":{"parameters":{"max_connections":50,"shared_buffers":"32MB","wal_log_hints":"on"},"use_pg_rewind":true,"use_slots":true},"retry_timeout":10,"ttl":30}"#;

/// Runs `op` `n` times after a warm-up and returns the sorted latencies.
async fn measure<F, Fut>(n: usize, mut op: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    for _ in 0..10 {
        op().await;
    }
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        op().await;
        samples.push(started.elapsed());
    }
    samples.sort_unstable();
    samples
}

fn report(what: &str, samples: &[Duration]) {
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!(
        "{what:<24} n={:<5} median {:>8.3} ms   p90 {:>8.3} ms   max {:>8.3} ms",
        samples.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.9).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
    );
}

/// A cluster like Patroni's samples: three members, leader, config, status, history, sync.
async fn populate(etcd: &EtcdCluster) -> Vec<dcs_etcd::EtcdDcs> {
    let mut nodes = Vec::new();
    for name in ["node1", "node2", "node3"] {
        let node = etcd.client("bench-read");
        node.touch_member(name, MEMBER, TTL).await.expect("touch");
        nodes.push(node);
    }
    assert!(nodes[0]
        .acquire_leader("node1", TTL)
        .await
        .expect("acquire"));
    for (key, value) in [
        (Key::Config, CONFIG),
        (Key::Initialize, "7712434073260532225"),
        (
            Key::Status,
            r#"{"optime":67111128,"retain_slots":["node1","node2","node3"],"slots":{"node1":67111128,"node2":67111128,"node3":67111128}}"#,
        ),
        (
            Key::History,
            r#"[[1,67109256,"no recovery target specified","2026-11-26T11:04:13.898417+00:00","node1"]]"#,
        ),
        (
            Key::Sync,
            r#"{"leader":"node1","quorum":0,"sync_standby":"node2"}"#,
        ),
        (Key::Failover, "{}"),
    ] {
        nodes[0]
            .write(key, value, Condition::Any)
            .await
            .expect("write");
    }
    nodes
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(300);
    let etcd = EtcdCluster::start().await;
    println!(
        "etcd backend latency against loopback etcd ({} iterations each)",
        n
    );

    let holder = etcd.client("bench-acquire");
    for _ in 0..10 {
        holder.acquire_leader("node1", TTL).await.expect("acquire");
        holder.release_leader("node1").await.expect("release");
    }
    let mut acquire = Vec::with_capacity(n);
    let mut release = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        assert!(holder.acquire_leader("node1", TTL).await.expect("acquire"));
        acquire.push(started.elapsed());
        let started = Instant::now();
        assert!(holder.release_leader("node1").await.expect("release"));
        release.push(started.elapsed());
    }
    acquire.sort_unstable();
    release.sort_unstable();
    report("acquire_leader", &acquire);
    report("release_leader", &release);

    assert!(holder.acquire_leader("node1", TTL).await.expect("acquire"));
    let renew = measure(n, || async {
        assert!(holder.renew_leader("node1", TTL).await.expect("renew"));
    })
    .await;
    report("renew_leader", &renew);
    let touch = measure(n, || async {
        holder
            .touch_member("node1", MEMBER, TTL)
            .await
            .expect("touch");
    })
    .await;
    report("touch_member", &touch);

    let nodes = populate(&etcd).await;
    let reader = etcd.client("bench-read");
    let entries = reader.read().await.expect("read").entries.len();
    let read = measure(n, || async {
        reader.read().await.expect("read");
    })
    .await;
    report(&format!("read ({entries} keys)"), &read);
    drop(nodes);
}
