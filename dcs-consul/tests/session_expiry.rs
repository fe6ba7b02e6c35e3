//! Session expiry: a holder that stops renewing (but stays connected) loses the leader key
//! as Consul invalidates sessions — at 2 x the session TTL after the last renewal (the time
//! is printed), never before the TTL (= the fence budget, ttl minus the safety margin); it
//! then reports the lost leadership and its next touch creates a new session.

mod support;

use pg_ha_core::testing::takeover::{acquire_when_free, assert_took_over, hold_for_a_ttl};
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

    hold_for_a_ttl(&holder, "node-a", ttl).await;
    let old_session = holder.session_id().await.expect("session");
    // One last renewal, then silence: the session lives at least its TTL (the fence budget)
    // from the moment that renewal was sent.
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
    // Invalidation is expected at 2 x the session TTL; how long it took is printed,
    // the give-up bound only catches a session that is never invalidated (a loaded machine
    // delays the invalidation and the polling).
    let acquired_at = if early {
        tried_after
    } else {
        let give_up = 2 * ttl + Duration::from_secs(30);
        acquire_when_free(&other, "node-b", ttl, silent_since, give_up).await
    };
    println!("node-b acquired {acquired_at:?} after the holder's last renewal (ttl {ttl:?})");
    assert!(
        acquired_at >= pg_ha_core::config::lease_budget(ttl),
        "the session was invalidated before its TTL: node-b acquired after {acquired_at:?}"
    );
    // Behavior=delete removes the member key with the session.
    assert_took_over(&other, "node-b", "node-a").await;

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
