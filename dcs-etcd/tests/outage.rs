//! etcd stopped mid-operation: calls fail within the request timeout with a retryable error;
//! after a restart the waiting watch resumes without missing a change, and the backend works
//! again.

mod support;

use pg_ha_core::model::{Condition, Key};
use pg_ha_core::testing::outage::Waiter;
use pg_ha_core::testing::takeover::lead;
use pg_ha_core::{Dcs, DcsError};
use std::future::Future;
use std::time::{Duration, Instant};
use support::EtcdCluster;

const TTL: Duration = Duration::from_secs(10);

/// Runs `call` and checks it fails with a retryable error, bounded by the request timeout.
/// How long it took is printed; the assertion leaves a loaded machine generous room past the
/// timeout and catches a call that the timeout does not bound.
async fn fails_in_time<T: std::fmt::Debug>(
    what: &str,
    timeout: Duration,
    call: impl Future<Output = Result<T, DcsError>>,
) {
    let started = Instant::now();
    let result = call.await;
    let took = started.elapsed();
    match result {
        Err(e) => assert!(e.is_retryable(), "{what}: not retryable: {e}"),
        Ok(v) => panic!("{what} succeeded with etcd down: {v:?}"),
    }
    println!("{what} failed after {took:?} (request timeout {timeout:?})");
    assert!(
        took < timeout * 2 + Duration::from_secs(3),
        "{what} took {took:?}, far more than the request timeout {timeout:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_fail_in_time_and_everything_resumes_after_restart() {
    let mut etcd = EtcdCluster::start().await;
    let mut config = etcd.config("outage");
    config.request_timeout = Duration::from_secs(2);
    let timeout = config.request_timeout;
    let node = dcs_etcd::EtcdDcs::new(&config).expect("config");
    let waiter = std::sync::Arc::new(dcs_etcd::EtcdDcs::new(&config).expect("config"));

    lead(&node, "node-a", TTL).await;
    let before = waiter.read().await.expect("read").revision;
    let watch = Waiter::spawn(waiter.clone(), before);
    tokio::time::sleep(Duration::from_millis(300)).await;

    etcd.kill(0);
    fails_in_time("read", timeout, node.read()).await;
    fails_in_time("renew_leader", timeout, node.renew_leader("node-a", TTL)).await;
    fails_in_time(
        "touch_member",
        timeout,
        node.touch_member("node-a", "{}", TTL),
    )
    .await;
    fails_in_time(
        "write",
        timeout,
        node.write(Key::Status, "{}", Condition::Any),
    )
    .await;
    fails_in_time(
        "acquire_leader",
        timeout,
        node.acquire_leader("node-b", TTL),
    )
    .await;
    assert!(
        !watch.is_finished(),
        "the watch returned while etcd was down"
    );

    etcd.restart(0).await;
    // A change made at once after the restart, maybe before the watch is back: not missed.
    let written = node
        .write(Key::Config, "{\"ttl\":30}", Condition::Any)
        .await
        .expect("write after restart")
        .expect("unconditional write");
    let woke = watch
        .woke_within(Duration::from_secs(30), "after the restart")
        .await;
    assert!(
        woke <= written,
        "woke at {woke}, after the write at {written}"
    );

    assert!(node
        .renew_leader("node-a", TTL)
        .await
        .expect("renew after restart"));
    node.touch_member("node-a", "{\"x\":1}", TTL)
        .await
        .expect("touch after restart");
    let snapshot = node.read().await.expect("read after restart");
    assert_eq!(
        snapshot.get("leader").map(|e| e.value.as_str()),
        Some("node-a")
    );
    assert_eq!(snapshot.get("config").map(|e| e.version), Some(written));

    // And a new wait after the restart works as before.
    let after = snapshot.revision;
    let wait = waiter.wait_for_change(after);
    let write = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        node.write(Key::Status, "{}", Condition::Any)
            .await
            .expect("write")
    };
    let (woke, _) =
        tokio::time::timeout(Duration::from_secs(30), async { tokio::join!(wait, write) })
            .await
            .expect("wait after restart");
    assert!(woke.expect("wait_for_change") > after);
}
