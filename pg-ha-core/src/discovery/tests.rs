use super::*;
use crate::dcs::MemoryStore;
use crate::time::SystemClock;
use std::sync::Arc;
use std::time::Duration;

const TTL: Duration = Duration::from_secs(30);

fn member(role: &str, port: u16, lsn: u64, tags: &str) -> String {
    format!(
        r#"{{"conn_url":"postgres://10.0.0.{port}:{port}/postgres","api_url":"http://10.0.0.{port}:8008/patroni","state":"running","role":"{role}","xlog_location":{lsn},"timeline":1,"tags":{tags}}}"#
    )
}

/// node1 leads at 1000; node2 lags 100 bytes, node3 is tagged noloadbalance.
async fn three_nodes(store: &MemoryStore) -> [crate::dcs::MemoryDcs; 3] {
    let nodes = ["node1", "node2", "node3"].map(|n| store.client("batman", n));
    let rows = [
        ("primary", 5431, 1000, "{}"),
        ("replica", 5432, 900, "{}"),
        ("replica", 5433, 1000, r#"{"noloadbalance":true}"#),
    ];
    for (i, (role, port, lsn, tags)) in rows.into_iter().enumerate() {
        let name = format!("node{}", i + 1);
        nodes[i]
            .touch_member(&name, &member(role, port, lsn, tags), TTL)
            .await
            .expect("member");
    }
    assert!(nodes[0]
        .acquire_leader("node1", TTL)
        .await
        .expect("acquire"));
    nodes
}

fn store() -> MemoryStore {
    MemoryStore::new(Arc::new(SystemClock::new()))
}

#[tokio::test]
async fn the_topology_names_the_primary_and_the_replicas_that_take_reads() {
    let store = store();
    let _nodes = three_nodes(&store).await;
    let discovery = Discovery::new(store.client("batman", "app"));
    let t = discovery.topology().await.expect("read");
    let primary = t.primary.as_ref().expect("a primary");
    assert_eq!(primary.name, "node1");
    assert_eq!(primary.host_port(), Some(("10.0.0.5431".into(), 5431)));
    let names: Vec<&str> = t.replicas.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["node2"], "node3 is noloadbalance");
    assert_eq!(t.replicas[0].lag, Some(100));
    assert_eq!(
        t.least_lagging_replica().map(|n| n.name.as_str()),
        Some("node2")
    );
}

#[tokio::test]
async fn a_failover_wakes_the_watcher_and_a_lag_change_does_not() {
    let store = store();
    let nodes = three_nodes(&store).await;
    let discovery = Discovery::new(store.client("batman", "app"));
    let before = discovery.topology().await.expect("read");
    // A replica's position moves: the topology's shape is the same.
    nodes[1]
        .touch_member("node2", &member("replica", 5432, 950, "{}"), TTL)
        .await
        .expect("member");
    let quiet = tokio::time::timeout(Duration::from_millis(200), discovery.next_change(&before));
    assert!(
        quiet.await.is_err(),
        "a lag change is not a topology change"
    );
    // node1 goes away, node2 takes over.
    assert!(nodes[0].release_leader("node1").await.expect("release"));
    let (gap, changes) = discovery.next_change(&before).await.expect("change");
    assert_eq!(
        changes,
        vec![Change::Primary {
            from: Some("node1".into()),
            to: None
        }]
    );
    assert!(nodes[1]
        .acquire_leader("node2", TTL)
        .await
        .expect("acquire"));
    nodes[1]
        .touch_member("node2", &member("primary", 5432, 950, "{}"), TTL)
        .await
        .expect("member");
    let (after, changes) = discovery.next_change(&gap).await.expect("change");
    assert_eq!(
        after.primary.as_ref().map(|n| n.name.as_str()),
        Some("node2")
    );
    assert!(
        changes.contains(&Change::ReplicaDown("node2".into())),
        "{changes:?}"
    );
    assert!(
        matches!(&changes[0], Change::Primary { from: None, to: Some(n) } if n.name == "node2"),
        "{changes:?}"
    );
}
