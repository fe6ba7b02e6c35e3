//! Lease expiry on a real etcd: a holder that stops renewing loses the leader key, and another
//! node acquires it within ttl + 1 s.

mod support;

use pg_ha_core::testing::takeover::{acquire_when_free, assert_took_over, hold_for_a_ttl};
use pg_ha_core::Dcs;
use std::time::{Duration, Instant};
use support::EtcdCluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_node_acquires_within_ttl_plus_one_second() {
    let etcd = EtcdCluster::start().await;
    let holder = etcd.client("lease-expiry");
    let other = etcd.client("lease-expiry");
    let ttl = Duration::from_secs(2);

    // The holder renews for a while, then goes silent.
    hold_for_a_ttl(&holder, "node-a", ttl).await;
    let silent_since = Instant::now();
    assert!(!other
        .acquire_leader("node-b", ttl)
        .await
        .expect("acquire while held"));

    let give_up = ttl + Duration::from_secs(3);
    let acquired_at = acquire_when_free(&other, "node-b", ttl, silent_since, give_up).await;
    assert!(
        acquired_at <= ttl + Duration::from_secs(1),
        "node-b acquired after {acquired_at:?}, more than ttl + 1 s"
    );
    assert!(
        acquired_at >= ttl - Duration::from_millis(500),
        "the lease expired early: node-b acquired after {acquired_at:?}"
    );

    assert_took_over(&other, "node-b", "node-a").await;
    assert!(!holder
        .renew_leader("node-a", ttl)
        .await
        .expect("renew after expiry"));
}
