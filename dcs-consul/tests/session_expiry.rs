//! Session expiry: a holder that stops renewing (but stays connected) loses the leader key
//! within Consul's bound — invalidation at 2 x the session TTL (= ttl) after the last
//! renewal, never before the TTL (= ttl/2) — plus 1 s; it then reports the lost leadership
//! and its next touch creates a new session.

mod support;

use pg_ha_core::Dcs;
use std::time::{Duration, Instant};
use support::Target;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_holder_loses_the_leader_within_the_consul_bound() {
    let consul = Target::start().await;
    let ttl = consul.ttl();
    let holder = consul.client("/expiry", "c1");
    let other = consul.client("/expiry", "c1");
    let _ = other.delete_cluster().await;

    assert!(holder.acquire_leader("node-a", ttl).await.expect("acquire"));
    holder
        .touch_member("node-a", "{}", ttl)
        .await
        .expect("touch");
    for _ in 0..3 {
        tokio::time::sleep(ttl / 3).await;
        assert!(holder.renew_leader("node-a", ttl).await.expect("renew"));
    }
    let old_session = holder.session_id().await.expect("session");
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
            silent_since.elapsed() < ttl + Duration::from_secs(4),
            "node-b still cannot acquire {:?} after the holder went silent",
            silent_since.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        acquired_at <= ttl + Duration::from_secs(1),
        "node-b acquired after {acquired_at:?}, more than 2 x session TTL (= ttl) + 1 s"
    );
    assert!(
        acquired_at >= ttl / 2,
        "the session was invalidated before its TTL: node-b acquired after {acquired_at:?}"
    );
    let snapshot = other.read().await.expect("read");
    assert_eq!(
        snapshot.get("leader").map(|e| e.value.as_str()),
        Some("node-b")
    );
    assert!(
        snapshot.get("members/node-a").is_none(),
        "Behavior=delete left the member key"
    );

    assert!(!holder
        .renew_leader("node-a", ttl)
        .await
        .expect("renew after expiry"));
    assert!(!holder
        .release_leader("node-a")
        .await
        .expect("release after expiry"));
    holder
        .touch_member("node-a", "{\"back\":1}", ttl)
        .await
        .expect("touch again");
    let new_session = holder.session_id().await.expect("new session");
    assert_ne!(new_session, old_session);
    let snapshot = other.read().await.expect("read");
    let member = snapshot.get("members/node-a").expect("member key back");
    assert_eq!(member.session.as_deref(), Some(new_session.as_str()));
    other.delete_cluster().await.expect("cleanup");
}
