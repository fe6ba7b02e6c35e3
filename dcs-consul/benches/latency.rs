//! Latency of the Consul backend: median (and p90) of acquire, renew and a full cluster read,
//! against the in-repo emulator on loopback (or a real agent when `CONSUL_HTTP_ADDR` is set).
//!
//! Run with `cargo bench -p dcs-consul --bench latency` (optionally `-- <iterations>`).

#[path = "../tests/support/mod.rs"]
mod support;

use pg_ha_core::model::{Condition, Key};
use pg_ha_core::Dcs;
use std::future::Future;
use std::time::{Duration, Instant};
use support::Target;

const MEMBER: &str = r#"{"conn_url":"postgres://127.0.0.1:54321/postgres","api_url":"http://127.0.0.1:8008/patroni","state":"running","role":"replica","version":"4.1.5","xlog_location":50331648,"receive_lsn":50331648,"replay_lsn":50331648,"replication_state":"streaming","timeline":1}"#;
const CONFIG: &str = r#"{"loop_wait":10,"maximum_lag_on_failover":1048576,"postgresql":{"parameters":{"max_connections":50},"use_pg_rewind":true,"use_slots":true},"retry_timeout":10,"ttl":30}"#;

/// Runs `op` `n` times after a warm-up and returns the sorted latencies.
async fn measure<F, Fut>(n: usize, mut op: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Duration>,
{
    for _ in 0..10 {
        op().await;
    }
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        samples.push(op().await);
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

/// Times one call.
async fn timed<T>(op: impl Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let out = op.await;
    (out, started.elapsed())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(300);
    let consul = Target::start().await;
    let ttl = Duration::from_secs(30);
    let which = match consul {
        Target::Emulated(_) => "the in-repo emulator",
        Target::Real(_) => "a real agent",
    };
    println!("Consul backend latency against {which} on loopback ({n} iterations each)");

    let holder = consul.client("/bench", "bench");
    let _ = holder.delete_cluster().await;
    let acquire = measure(n, || async {
        let (won, took) = timed(holder.acquire_leader("node1", ttl)).await;
        assert!(won.expect("acquire"));
        holder.release_leader("node1").await.expect("release");
        took
    })
    .await;
    report("acquire_leader", &acquire);

    assert!(holder.acquire_leader("node1", ttl).await.expect("acquire"));
    let renew = measure(n, || async {
        let (renewed, took) = timed(holder.renew_leader("node1", ttl)).await;
        assert!(renewed.expect("renew"));
        took
    })
    .await;
    report("renew_leader", &renew);

    let mut nodes = Vec::new();
    for name in ["node1", "node2", "node3"] {
        let node = consul.client("/bench", "bench");
        node.touch_member(name, MEMBER, ttl).await.expect("touch");
        nodes.push(node);
    }
    for (key, value) in [
        (Key::Config, CONFIG),
        (Key::Initialize, "7712434073260532225"),
        (
            Key::Status,
            r#"{"optime":67111128,"slots":{"node1":67111128}}"#,
        ),
        (
            Key::History,
            r#"[[1,67109256,"no recovery target specified"]]"#,
        ),
        (
            Key::Sync,
            r#"{"leader":"node1","quorum":0,"sync_standby":"node2"}"#,
        ),
        (Key::Failover, "{}"),
    ] {
        holder
            .write(key, value, Condition::Any)
            .await
            .expect("write");
    }
    let reader = consul.client("/bench", "bench");
    let entries = reader.read().await.expect("read").entries.len();
    let read = measure(n, || async { timed(reader.read()).await.1 }).await;
    report(&format!("read ({entries} keys)"), &read);
    let touch = measure(n, || async {
        timed(nodes[1].touch_member("node2", MEMBER, ttl)).await.1
    })
    .await;
    report("touch_member", &touch);
    holder.delete_cluster().await.expect("cleanup");
}
