//! A 3-member etcd cluster on loopback keeps serving the backend through the other endpoints
//! when the member in use is killed.

mod support;

use pg_ha_core::model::{Condition, Key};
use pg_ha_core::testing::outage::Waiter;
use pg_ha_core::testing::takeover::lead;
use pg_ha_core::Dcs;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::EtcdCluster;

const TTL: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_one_member_keeps_the_backend_working() {
    let mut etcd = EtcdCluster::start_n(3).await;
    let mut config = etcd.config("three");
    // Room for a raft election when the killed member was the leader.
    config.request_timeout = Duration::from_secs(5);
    let node = dcs_etcd::EtcdDcs::new(&config).expect("config");
    let waiter = Arc::new(dcs_etcd::EtcdDcs::new(&config).expect("config"));

    lead(&node, "node-a", TTL).await;
    let before = waiter.read().await.expect("read").revision;
    let watch = Waiter::spawn(waiter.clone(), before);
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Both clients use the first endpoint until it fails.
    etcd.kill(0);
    let started = Instant::now();
    assert!(node
        .renew_leader("node-a", TTL)
        .await
        .expect("renew via another member"));
    // Measured, not bounded: a raft election on a loaded machine can take seconds.
    println!(
        "renew via another member took {:?} (request timeout {:?})",
        started.elapsed(),
        config.request_timeout
    );
    node.touch_member("node-a", "{\"x\":1}", TTL)
        .await
        .expect("touch");
    let written = node
        .write(Key::Config, "{}", Condition::Absent)
        .await
        .expect("write")
        .expect("config was absent");
    watch
        .woke_within(Duration::from_secs(30), "after its member was killed")
        .await;

    let snapshot = waiter.read().await.expect("read via another member");
    assert_eq!(
        snapshot.get("leader").map(|e| e.value.as_str()),
        Some("node-a")
    );
    assert_eq!(snapshot.get("config").map(|e| e.version), Some(written));
    assert_eq!(
        snapshot.get("members/node-a").map(|e| e.value.as_str()),
        Some("{\"x\":1}")
    );

    // A fresh client whose first endpoint is dead works too.
    let fresh = dcs_etcd::EtcdDcs::new(&config).expect("config");
    assert!(!fresh.acquire_leader("node-b", TTL).await.expect("acquire"));
    assert!(node.release_leader("node-a").await.expect("release"));
    assert!(fresh.acquire_leader("node-b", TTL).await.expect("acquire"));
}
