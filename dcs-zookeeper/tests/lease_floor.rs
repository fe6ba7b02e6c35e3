//! The property the write fence relies on, on a real ZooKeeper: a leader that goes silent
//! (its client cut off from the server, as when its whole node freezes) keeps its znode at
//! least until `sent + lease_budget(ttl)`, where `sent` is when its acquire, or its last
//! renewal, was sent; at ttl 10 and 30. (The conformance suite's `lease_outlives_the_fence`
//! needs a silent client that keeps its session, which a ZooKeeper client only is behind a
//! cut.) It holds because the negotiated session timeout is at least ttl (the backend
//! refuses a shorter one) and both acquire and renew are requests the server answers.

mod support;

use dcs_zookeeper::ZooKeeperDcs;
use pg_ha_core::config::lease_budget;
use pg_ha_core::Dcs;
use std::time::{Duration, Instant};
use support::{config_for, Proxy, ZkServer};

/// How early before the fence deadline the znode is read.
const EDGE: Duration = Duration::from_millis(100);

/// One case: `node-a` leads through a proxy, with a session half a ttl old; after its
/// acquire (or a renewal a third of a ttl later) the proxy cuts it off.
async fn outlives_the_fence(zk: &ZkServer, ttl: Duration, renewal: bool) {
    let case = format!(
        "ttl {ttl:?}, after the {}",
        if renewal { "renewal" } else { "acquire" }
    );
    let proxy = Proxy::start(zk.address().parse().expect("address")).await;
    let scope = format!("fence-{}-{renewal}", ttl.as_secs());
    let holder =
        ZooKeeperDcs::new(&config_for(&proxy.address(), "/fence", &scope, ttl)).expect("config");
    let other = zk.client("/fence", &scope, ttl);
    let _ = other.delete_cluster().await;
    holder
        .touch_member("node-a", "{}", ttl)
        .await
        .expect("touch");
    tokio::time::sleep(ttl / 2).await;
    let mut sent = Instant::now();
    assert!(holder.acquire_leader("node-a", ttl).await.expect("acquire"));
    if renewal {
        tokio::time::sleep(ttl / 3).await;
        sent = Instant::now();
        assert!(holder.renew_leader("node-a", ttl).await.expect("renew"));
    }
    proxy.partition();
    tokio::time::sleep_until((sent + lease_budget(ttl) - EDGE).into()).await;
    let snapshot = other.read().await.expect("read");
    let leader = snapshot.get("leader").map(|e| e.value.clone());
    assert_eq!(
        leader.as_deref(),
        Some("node-a"),
        "{case}: the leader znode vanished before the fence deadline"
    );
    println!("{case}: the leader znode outlived the fence deadline");
    other.delete_cluster().await.expect("cleanup");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_leaders_znode_outlives_the_fence_at_ttl_10_and_30() {
    let zk = ZkServer::start().await;
    let (ten, thirty) = (Duration::from_secs(10), Duration::from_secs(30));
    tokio::join!(
        outlives_the_fence(&zk, ten, false),
        outlives_the_fence(&zk, ten, true),
        outlives_the_fence(&zk, thirty, false),
        outlives_the_fence(&zk, thirty, true),
    );
}
