//! Lease expiry on a real etcd: a holder that stops renewing loses the leader key, and another
//! node acquires it within ttl + 1 s.

mod support;

use pg_ha_core::Dcs;
use std::time::{Duration, Instant};
use support::EtcdCluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_node_acquires_within_ttl_plus_one_second() {
    let etcd = EtcdCluster::start().await;
    let holder = etcd.client("lease-expiry");
    let other = etcd.client("lease-expiry");
    let ttl = Duration::from_secs(2);

    assert!(holder.acquire_leader("node-a", ttl).await.expect("acquire"));
    holder
        .touch_member("node-a", "{}", ttl)
        .await
        .expect("touch");
    // The holder renews for a while, then goes silent.
    for _ in 0..3 {
        tokio::time::sleep(ttl / 3).await;
        assert!(holder.renew_leader("node-a", ttl).await.expect("renew"));
    }
    let silent_since = Instant::now();
    assert!(!other
        .acquire_leader("node-b", ttl)
        .await
        .expect("acquire while held"));

    let acquired_at = loop {
        if other.acquire_leader("node-b", ttl).await.expect("acquire") {
            break silent_since.elapsed();
        }
        assert!(
            silent_since.elapsed() < ttl + Duration::from_secs(3),
            "node-b still cannot acquire {:?} after the holder went silent",
            silent_since.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        acquired_at <= ttl + Duration::from_secs(1),
        "node-b acquired after {acquired_at:?}, more than ttl + 1 s"
    );
    assert!(
        acquired_at >= ttl - Duration::from_millis(500),
        "the lease expired early: node-b acquired after {acquired_at:?}"
    );

    let snapshot = other.read().await.expect("read");
    assert_eq!(
        snapshot.get("leader").map(|e| e.value.as_str()),
        Some("node-b")
    );
    assert!(
        snapshot.get("members/node-a").is_none(),
        "the silent member key survived"
    );
    assert!(!holder
        .renew_leader("node-a", ttl)
        .await
        .expect("renew after expiry"));
}
