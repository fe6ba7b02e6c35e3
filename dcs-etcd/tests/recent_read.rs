//! `read_recent` and the leader's renewal on a real etcd, with requests counted in etcd's own
//! metrics: while the open watch delivers nothing, a recent read answers from the last full
//! read without a range request; a change by another node is applied from the watch, still
//! without one; a fresh lease is renewed without a keep-alive or a transaction, and the
//! renewal is dated back to the last keep-alive; at ttl 2 every leader renewal sends one
//! (`leader_keep_alive_skip`) and the member key's refresh rides on it.

mod support;

use pg_ha_core::model::{Condition, Key};
use pg_ha_core::Dcs;
use std::time::{Duration, Instant};
use support::EtcdCluster;

/// The number of `method` requests the etcd has started (its own counters).
async fn requests(etcd: &EtcdCluster, method: &str) -> u64 {
    let started = etcd.started_requests().await;
    started.get(method).copied().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_recent_reads_make_no_range_request() {
    let etcd = EtcdCluster::start().await;
    let node = etcd.client("recent-read");
    let other = etcd.client("recent-read");
    other
        .write(Key::Config, r#"{"ttl":5}"#, Condition::Any)
        .await
        .expect("write");
    let first = node.read().await.expect("read");
    // The runner's loop waits for a change and gives up when its timer fires.
    let wait = tokio::time::timeout(
        Duration::from_millis(200),
        node.wait_for_change(first.revision),
    );
    assert!(wait.await.is_err(), "nothing changed, yet the wait ended");

    let before = requests(&etcd, "Range").await;
    assert!(
        before > 0,
        "etcd's metrics show no Range, though the node read the cluster: the counter is not read"
    );
    for _ in 0..10 {
        let recent = node.read_recent().await.expect("read_recent");
        assert_eq!(
            recent, first,
            "an idle recent read differs from the last read"
        );
    }
    let after = requests(&etcd, "Range").await;
    assert_eq!(after, before, "idle recent reads sent Range requests");

    other
        .write(Key::Config, r#"{"ttl":6}"#, Condition::Any)
        .await
        .expect("write");
    // Shown once the watch delivers it: polled, with a deadline generous for a loaded
    // machine (a read_recent that never picks it up still fails).
    let written_at = Instant::now();
    let mut seen = false;
    while written_at.elapsed() < Duration::from_secs(30) {
        let recent = node.read_recent().await.expect("read_recent");
        if recent
            .get("config")
            .is_some_and(|e| e.value == r#"{"ttl":6}"#)
        {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        seen,
        "another node's write did not show in read_recent within 30 s"
    );
    println!(
        "another node's write showed in read_recent after {:?}",
        written_at.elapsed()
    );
    assert_eq!(
        requests(&etcd, "Range").await,
        after,
        "the change was read with a range request, not applied from the watch"
    );

    node.write(Key::Status, r#"{"optime":1}"#, Condition::Any)
        .await
        .expect("write");
    let own = node.read_recent().await.expect("read_recent");
    let status = own.get("status").map(|e| e.value.as_str());
    assert_eq!(
        status,
        Some(r#"{"optime":1}"#),
        "own write not shown at once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_lease_is_renewed_from_the_watch_without_requests() {
    let etcd = EtcdCluster::start().await;
    let node = etcd.client("renew-cache");
    let ttl = Duration::from_secs(20);
    assert!(node.acquire_leader("n1", ttl).await.expect("acquire"));
    // The cycle's observation: a full read, then the watch kept open.
    let first = node.read().await.expect("read");
    let wait = tokio::time::timeout(
        Duration::from_millis(200),
        node.wait_for_change(first.revision),
    );
    assert!(wait.await.is_err(), "nothing changed, yet the wait ended");
    let counted = ["Range", "Txn", "LeaseKeepAlive"];
    let mut before = Vec::new();
    for method in counted {
        before.push(requests(&etcd, method).await);
    }
    for _ in 0..10 {
        assert!(node.renew_leader("n1", ttl).await.expect("renew"));
    }
    for (method, before) in counted.into_iter().zip(before) {
        assert_eq!(
            requests(&etcd, method).await,
            before,
            "a renewal of a fresh lease sent {method} requests"
        );
    }
    let ago = node
        .lease_extended_ago()
        .await
        .expect("the lease was granted");
    assert!(ago >= Duration::from_millis(200), "dated {ago:?} ago");

    // Another client takes the key away: the next renewal learns it from the watch.
    let other = etcd.client("renew-cache");
    assert!(other.release_leader("n1").await.expect("delete"));
    let deleted_at = Instant::now();
    let mut lost = false;
    while deleted_at.elapsed() < Duration::from_secs(30) {
        if !node.renew_leader("n1", ttl).await.expect("renew") {
            lost = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(lost, "the deleted leader key was still renewed after 30 s");
    println!(
        "leader key loss seen by renew after {:?}",
        deleted_at.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_ttl_2_every_leader_renewal_keeps_the_lease_alive_and_the_member_key_rides_on_it() {
    let etcd = EtcdCluster::start().await;
    let node = etcd.client("renew-short");
    let ttl = Duration::from_secs(2);
    assert!(node.acquire_leader("n1", ttl).await.expect("acquire"));
    let first = node.read().await.expect("read");
    let wait = tokio::time::timeout(
        Duration::from_millis(100),
        node.wait_for_change(first.revision),
    );
    assert!(wait.await.is_err(), "nothing changed, yet the wait ended");
    let before = requests(&etcd, "LeaseKeepAlive").await;
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(node.renew_leader("n1", ttl).await.expect("renew"));
        // The cycle then refreshes the member key, on the lease just kept alive: no request.
        node.refresh_member("n1", "{}", ttl).await.expect("member");
    }
    let sent = requests(&etcd, "LeaseKeepAlive").await - before;
    assert_eq!(
        sent, 3,
        "one keep-alive per renewal, none for the member key"
    );
    let ago = node
        .lease_extended_ago()
        .await
        .expect("the lease was granted");
    assert!(ago < Duration::from_millis(100), "dated {ago:?} back");
}
