//! Refreshing an unchanged member key on a real etcd keeps it alive through its lease only:
//! no new revision, so other nodes' watches stay quiet.

mod support;

use pg_ha_core::Dcs;
use std::time::Duration;
use support::EtcdCluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_keeps_the_key_without_a_new_revision() {
    let etcd = EtcdCluster::start().await;
    let node = etcd.client("member-refresh");
    let other = etcd.client("member-refresh");
    let ttl = Duration::from_secs(2);
    let value = r#"{"role":"replica","state":"running"}"#;
    node.touch_member("node-a", value, ttl)
        .await
        .expect("touch");
    let before = other.read().await.expect("read");
    let version = before.get("members/node-a").expect("member key").version;

    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        node.refresh_member("node-a", value, ttl)
            .await
            .expect("refresh");
    }
    let after = other.read().await.expect("read");
    let entry = after
        .get("members/node-a")
        .expect("member key kept past its ttl");
    assert_eq!(entry.value, value);
    assert_eq!(entry.version, version, "the refresh rewrote the key");
    assert_eq!(
        after.revision, before.revision,
        "the refresh made a new revision"
    );
}
