//! Session expiry on a real ZooKeeper: a holder cut off by a partition loses the leader znode
//! within the session timeout + 1 s; once it reconnects it learns that its session expired,
//! reports the lost leadership (`renew_leader` = `Ok(false)`), opens a new session and
//! re-creates its member znode.

mod support;

use dcs_zookeeper::ZooKeeperDcs;
use pg_ha_core::Dcs;
use std::time::{Duration, Instant};
use support::{config_for, Proxy, ZkServer};

const TTL: Duration = Duration::from_secs(2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitioned_holder_loses_the_leader_within_ttl_plus_one_second() {
    let zk = ZkServer::start().await;
    let proxy = Proxy::start(zk.address().parse().expect("address")).await;
    let holder =
        ZooKeeperDcs::new(&config_for(&proxy.address(), "/expiry", "c1", TTL)).expect("config");
    let other = zk.client("/expiry", "c1", TTL);

    assert!(holder.acquire_leader("node-a", TTL).await.expect("acquire"));
    holder
        .touch_member("node-a", "{}", TTL)
        .await
        .expect("touch");
    let old_session = holder.session_id().await.expect("session");
    for _ in 0..3 {
        tokio::time::sleep(TTL / 3).await;
        assert!(holder.renew_leader("node-a", TTL).await.expect("renew"));
    }
    let before = other.read().await.expect("read").revision;
    assert!(!other
        .acquire_leader("node-b", TTL)
        .await
        .expect("acquire while held"));

    proxy.partition();
    let cut_at = Instant::now();
    let acquired_after = loop {
        if other.acquire_leader("node-b", TTL).await.expect("acquire") {
            break cut_at.elapsed();
        }
        assert!(
            cut_at.elapsed() < TTL + Duration::from_secs(4),
            "node-b still cannot acquire {:?} after the partition",
            cut_at.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        acquired_after <= TTL + Duration::from_secs(1),
        "node-b acquired after {acquired_after:?}, more than the session timeout + 1 s"
    );
    assert!(
        acquired_after >= TTL / 2,
        "the session expired early: node-b acquired after {acquired_after:?}"
    );
    let snapshot = other.read().await.expect("read");
    assert!(snapshot.revision > before);
    assert_eq!(
        snapshot.get("leader").map(|e| e.value.as_str()),
        Some("node-b")
    );
    assert!(
        snapshot.get("members/node-a").is_none(),
        "the expired member znode survived"
    );

    // While cut off, the holder cannot confirm its leadership.
    assert!(holder.renew_leader("node-a", TTL).await.is_err());
    proxy.heal();
    let renewed = loop {
        match holder.renew_leader("node-a", TTL).await {
            Ok(renewed) => break renewed,
            Err(e) => {
                assert!(e.is_retryable(), "renew after healing failed for good: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
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
