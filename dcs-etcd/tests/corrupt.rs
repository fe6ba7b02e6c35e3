//! A value that is not valid JSON gives a typed parse error naming its key, and the rest of
//! the snapshot still loads; a value that is not even UTF-8 is left out of the snapshot.

mod support;

use pg_ha_core::model::{Condition, Key};
use pg_ha_core::{Cluster, Dcs, DcsExt};
use std::time::Duration;
use support::EtcdCluster;

const TTL: Duration = Duration::from_secs(30);
const MEMBER: &str = r#"{"conn_url":"postgres://127.0.0.1:5432/postgres","api_url":"http://127.0.0.1:8008/patroni","state":"running","role":"primary","version":"4.1.5"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_values_give_typed_errors_and_the_rest_loads() {
    let etcd = EtcdCluster::start().await;
    let node = etcd.client("corrupt");
    let other = etcd.client("corrupt");
    assert!(node.acquire_leader("node1", TTL).await.expect("acquire"));
    node.touch_member("node1", MEMBER, TTL)
        .await
        .expect("touch");
    other
        .touch_member("node2", "{not json", TTL)
        .await
        .expect("touch");
    for (key, value) in [
        (Key::Config, "{\"ttl\": 30,"),
        (Key::Status, "[1,2"),
        (
            Key::History,
            "[[1,25623960,\"no recovery target specified\"]]",
        ),
        (Key::Initialize, "7712434073260532225"),
    ] {
        node.write(key, value, Condition::Any)
            .await
            .expect("write")
            .expect("applied");
    }
    // Bytes that are not UTF-8, written behind the backend's back.
    let mut raw = etcd_client::Client::connect([etcd.endpoint(0)], None)
        .await
        .expect("raw client");
    raw.put("/service/corrupt/failover", vec![0xff, 0xfe, b'{'], None)
        .await
        .expect("raw put");

    let snapshot = node.read().await.expect("read still works");
    assert!(
        snapshot.get("failover").is_none(),
        "a non-UTF-8 value reached the snapshot"
    );
    let (cluster, errors) = Cluster::from_snapshot(&snapshot);
    let mut bad: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
    bad.sort_unstable();
    assert_eq!(
        bad,
        ["config", "members/node2", "status"],
        "errors: {errors:?}"
    );

    assert_eq!(cluster.leader_name(), Some("node1"));
    assert_eq!(cluster.members.len(), 1, "the malformed member is left out");
    assert!(cluster.leader_member().is_some());
    assert!(cluster.config.is_none());
    assert_eq!(cluster.history.0.len(), 1);
    assert_eq!(cluster.initialize.as_deref(), Some("7712434073260532225"));

    // The typed helper logs and loads the same cluster.
    let loaded = node.load().await.expect("load");
    assert_eq!(loaded, cluster);
}
