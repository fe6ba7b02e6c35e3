//! Session expiry on a real ZooKeeper: a holder cut off by a partition loses the leader znode
//! once its session times out (not before half of it; normally within the timeout + 1 s, the
//! time is printed); once it reconnects it learns that its session expired, reports the lost
//! leadership (`renew_leader` = `Ok(false)`), opens a new session and re-creates its member
//! znode.

mod support;

use dcs_zookeeper::ZooKeeperDcs;
use pg_ha_core::testing::outage::retry;
use pg_ha_core::testing::takeover::{acquire_when_free, assert_took_over, hold_for_a_ttl};
use pg_ha_core::Dcs;
use std::time::{Duration, Instant};
use support::{config_for, Proxy, ZkServer};

const TTL: Duration = Duration::from_secs(2);
/// How long the holder may take to reconnect after the partition heals.
const RECOVERY: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitioned_holder_loses_the_leader_within_ttl_plus_one_second() {
    let zk = ZkServer::start().await;
    let proxy = Proxy::start(zk.address().parse().expect("address")).await;
    let holder =
        ZooKeeperDcs::new(&config_for(&proxy.address(), "/expiry", "c1", TTL)).expect("config");
    let other = zk.client("/expiry", "c1", TTL);

    hold_for_a_ttl(&holder, "node-a", TTL).await;
    let old_session = holder.session_id().await.expect("session");
    let before = other.read().await.expect("read").revision;
    assert!(!other
        .acquire_leader("node-b", TTL)
        .await
        .expect("acquire while held"));

    proxy.partition();
    let cut_at = Instant::now();
    // The session is expected to expire within a tick of its timeout; how long it took is
    // printed, the give-up bound only catches a session that does not expire (a loaded
    // machine delays the expiry and the polling).
    let give_up = TTL + Duration::from_secs(30);
    let acquired_after = acquire_when_free(&other, "node-b", TTL, cut_at, give_up).await;
    println!("node-b acquired {acquired_after:?} after the partition (session timeout {TTL:?})");
    assert!(
        acquired_after >= TTL / 2,
        "the session expired early: node-b acquired after {acquired_after:?}"
    );
    let snapshot = assert_took_over(&other, "node-b", "node-a").await;
    assert!(snapshot.revision > before);

    // While cut off, the holder cannot confirm its leadership.
    assert!(holder.renew_leader("node-a", TTL).await.is_err());
    proxy.heal();
    let renewed = retry("renew after healing", RECOVERY, || {
        holder.renew_leader("node-a", TTL)
    })
    .await;
    assert!(
        !renewed,
        "renew_leader must report the lost leadership after a session expiry"
    );
    let new_session = holder.session_id().await.expect("session");
    assert_ne!(
        new_session, old_session,
        "the expired session was not replaced"
    );
    holder
        .touch_member("node-a", "{\"back\":1}", TTL)
        .await
        .expect("touch again");
    let snapshot = other.read().await.expect("read");
    let member = snapshot.get("members/node-a").expect("member re-created");
    assert_eq!(member.value, "{\"back\":1}");
    assert_eq!(member.session.as_deref(), Some(new_session.as_str()));
    assert!(!holder
        .acquire_leader("node-a", TTL)
        .await
        .expect("acquire (held)"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_timeout_below_ttl_is_refused() {
    // The test server's maxSessionTimeout is 60 s: a 61 s ttl cannot be honoured, and the
    // leader znode would vanish before the write fence stops the primary.
    let zk = ZkServer::start().await;
    let client = zk.client("/expiry", "short", Duration::from_secs(61));
    let error = client
        .acquire_leader("node-a", Duration::from_secs(61))
        .await
        .expect_err("a session shorter than ttl must be refused");
    assert!(!error.is_retryable(), "{error}");
    assert!(error.to_string().contains("maxSessionTimeout"), "{error}");
}
