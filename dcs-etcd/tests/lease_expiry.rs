//! Lease expiry on a real etcd: a holder that stops renewing loses the leader key, not before
//! its ttl, and another node acquires it (normally within ttl + 1 s; the time is printed).

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

    // The holder renews for a while, then goes silent after one last renewal: its lease
    // runs at least ttl from the moment that renewal was sent.
    hold_for_a_ttl(&holder, "node-a", ttl).await;
    let silent_since = Instant::now();
    assert!(holder
        .renew_leader("node-a", ttl)
        .await
        .expect("last renewal"));
    let early = other
        .acquire_leader("node-b", ttl)
        .await
        .expect("acquire while held");
    let tried_after = silent_since.elapsed();
    // The expiry is expected at ttl (+ the lessor's 500 ms tick); how long it took is
    // printed, the give-up bound only catches a lease that does not expire (a loaded
    // machine delays the expiry and the polling).
    let acquired_at = if early {
        tried_after
    } else {
        let give_up = ttl + Duration::from_secs(30);
        acquire_when_free(&other, "node-b", ttl, silent_since, give_up).await
    };
    println!("node-b acquired {acquired_at:?} after the holder's last renewal (ttl {ttl:?})");
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
