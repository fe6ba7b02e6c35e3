//! The `discover` example against a real etcd: it prints the topology, then follows leader
//! changes as the agents make them (the same key writes, through the etcd backend), each
//! reported within a second of the change; 20 failovers, latencies printed.

mod program;
#[path = "../../dcs-etcd/tests/support/mod.rs"]
mod support;

use pg_ha_core::Dcs;
use program::{now_ms, Program};
use std::time::Duration;
use support::EtcdCluster;

const SCOPE: &str = "discover-test";
const TTL: Duration = Duration::from_secs(30);
const FAILOVERS: usize = 20;

fn member(name: &str, role: &str) -> String {
    format!(
        r#"{{"conn_url":"postgres://127.0.0.1:5432/postgres?host={name}","api_url":"http://127.0.0.1:8008/{name}","state":"running","role":"{role}","xlog_location":1000,"timeline":1}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discover_follows_every_failover_within_a_second() {
    let etcd = EtcdCluster::start().await;
    let nodes: Vec<_> = (0..2).map(|_| etcd.client(SCOPE)).collect();
    let names = ["node1", "node2"];
    for (dcs, name) in nodes.iter().zip(names) {
        let role = if name == "node1" {
            "primary"
        } else {
            "replica"
        };
        dcs.touch_member(name, &member(name, role), TTL)
            .await
            .expect("member key");
    }
    assert!(nodes[0]
        .acquire_leader("node1", TTL)
        .await
        .expect("acquire"));

    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("patroni.yml");
    let hosts: Vec<String> = etcd
        .endpoints()
        .iter()
        .map(|e| e.trim_start_matches("http://").to_string())
        .collect();
    std::fs::write(
        &config,
        format!("scope: {SCOPE}\netcd3:\n  hosts: {}\n", hosts.join(",")),
    )
    .expect("write the Patroni file");
    // Each failover is four changes: the old primary leaves, it comes back as a replica,
    // the new one takes over and leaves the replicas.
    let changes = (FAILOVERS * 4).to_string();
    let mut example = Program::start(
        env!("CARGO_BIN_EXE_discover"),
        &[config.to_str().expect("utf-8 path"), "--changes", &changes],
        Duration::from_secs(10),
    );
    let (_, first) = example.line().await;
    assert!(
        first.starts_with("topology primary=node1 postgres://127.0.0.1:5432/postgres?host=node1")
            && first.contains("replicas=[node2(lag 0)]"),
        "{first}"
    );

    let mut latencies = Vec::new();
    for round in 0..FAILOVERS {
        let (old, new) = if round % 2 == 0 { (0, 1) } else { (1, 0) };
        assert!(nodes[old]
            .release_leader(names[old])
            .await
            .expect("release"));
        example
            .until(&format!("primary {} -> none", names[old]))
            .await;
        nodes[old]
            .touch_member(names[old], &member(names[old], "replica"), TTL)
            .await
            .expect("member key");
        example.until(&format!("replica+ {}", names[old])).await;
        assert!(nodes[new]
            .acquire_leader(names[new], TTL)
            .await
            .expect("acquire"));
        let changed_at = now_ms();
        let (stamp, line) = example
            .until(&format!("primary none -> {}", names[new]))
            .await;
        assert!(line.contains("postgres://"), "{line}");
        let latency = stamp.saturating_sub(changed_at);
        assert!(
            latency < 1000,
            "reported {latency} ms after the leader key changed"
        );
        latencies.push(latency);
        example.until(&format!("replica- {}", names[new])).await;
        nodes[new]
            .touch_member(names[new], &member(names[new], "primary"), TTL)
            .await
            .expect("member key");
    }
    latencies.sort_unstable();
    let median = latencies[latencies.len() / 2];
    let p99 = latencies[(latencies.len() * 99).div_ceil(100) - 1];
    println!("leader key change -> discover event over {FAILOVERS} failovers: median {median} ms, p99 {p99} ms, samples {latencies:?}");
    drop(example.child);
}
