//! The backends' latency bench (`cargo bench -p dcs-<backend> --bench latency`): one suite of
//! timed calls on a sample cluster, printed as median, p90 and max per operation, so the three
//! backends are measured the same way.

use crate::dcs::Dcs;
use crate::model::{Condition, Key};
use std::future::Future;
use std::time::{Duration, Instant};

/// The lease ttl of the suite.
pub const TTL: Duration = Duration::from_secs(30);

/// How many times each operation runs when the command line names no number.
pub const DEFAULT_ITERATIONS: usize = 300;

/// A member key value like one from Patroni's samples.
pub const MEMBER: &str = r#"{"conn_url":"postgres://127.0.0.1:54321/postgres","api_url":"http://127.0.0.1:8008/patroni","state":"running","role":"replica","version":"4.1.5","xlog_location":50331648,"receive_lsn":50331648,"replay_lsn":50331648,"replication_state":"streaming","timeline":1}"#;

/// The cluster-wide keys of the sample cluster, as Patroni writes them.
pub const CLUSTER_KEYS: [(Key, &str); 6] = [
    (
        Key::Config,
        r#"{"loop_wait":10,"maximum_lag_on_failover":1048576,"postgresql":{"parameters":{"max_connections":50,"shared_buffers":"32MB","wal_log_hints":"on"},"use_pg_rewind":true,"use_slots":true},"retry_timeout":10,"ttl":30}"#,
    ),
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
];

/// The number of iterations: the first numeric command-line argument, else
/// [`DEFAULT_ITERATIONS`].
pub fn iterations() -> usize {
    std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(DEFAULT_ITERATIONS)
}

/// Awaits `op` and returns its output with the time it took.
pub async fn timed<T>(op: impl Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let out = op.await;
    (out, started.elapsed())
}

/// Runs `op` ten times to warm up, then `n` times, and returns the durations it reports,
/// sorted.
pub async fn measure<F, Fut>(n: usize, mut op: F) -> Vec<Duration>
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

/// Prints one line: `what`, the count, and the median, p90 and max of the sorted `samples`.
pub fn report(what: &str, samples: &[Duration]) {
    if samples.is_empty() {
        println!("{what:<24} n=0");
        return;
    }
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!(
        "{what:<24} n={:<5} median {:>8.3} ms   p90 {:>8.3} ms   max {:>8.3} ms",
        samples.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.9).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
    );
}

/// The suite, `n` iterations per operation, on clients made by `client` (each with its own
/// lease or session, all in one cluster scope): `acquire_leader`, `release_leader`,
/// `renew_leader`, then, on a sample cluster (three members, leader and every cluster-wide
/// key), a full `read` and a member's `touch_member`. Deletes the cluster at the start and
/// the end, so it can run against a shared server. Panics if a call fails.
pub async fn latency_suite<D, F>(n: usize, mut client: F)
where
    D: Dcs,
    F: FnMut() -> D,
{
    let holder = client();
    holder.delete_cluster().await.expect("delete_cluster");
    let acquire = measure(n, || async {
        let (won, took) = timed(holder.acquire_leader("node1", TTL)).await;
        assert!(won.expect("acquire"), "acquire_leader lost a free key");
        holder.release_leader("node1").await.expect("release");
        took
    })
    .await;
    report("acquire_leader", &acquire);
    let release = measure(n, || async {
        let won = holder.acquire_leader("node1", TTL).await.expect("acquire");
        assert!(won, "acquire_leader lost a free key");
        let (released, took) = timed(holder.release_leader("node1")).await;
        assert!(released.expect("release"), "release_leader kept the key");
        took
    })
    .await;
    report("release_leader", &release);

    assert!(holder.acquire_leader("node1", TTL).await.expect("acquire"));
    let renew = measure(n, || async {
        let (renewed, took) = timed(holder.renew_leader("node1", TTL)).await;
        assert!(renewed.expect("renew"), "renew_leader lost the key");
        took
    })
    .await;
    report("renew_leader", &renew);

    let mut members = Vec::new();
    for name in ["node1", "node2", "node3"] {
        let member = client();
        member.touch_member(name, MEMBER, TTL).await.expect("touch");
        members.push(member);
    }
    for (key, value) in CLUSTER_KEYS {
        holder
            .write(key, value, Condition::Any)
            .await
            .expect("write");
    }
    let reader = client();
    let entries = reader.read().await.expect("read").entries.len();
    let read = measure(n, || async { timed(reader.read()).await.1 }).await;
    report(&format!("read ({entries} keys)"), &read);
    let touch = measure(n, || async {
        let (touched, took) = timed(members[1].touch_member("node2", MEMBER, TTL)).await;
        touched.expect("touch");
        took
    })
    .await;
    report("touch_member", &touch);
    holder.delete_cluster().await.expect("delete_cluster");
}
