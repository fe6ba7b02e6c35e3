//! An agent (emulator) restart is survived: while it is down calls fail as retryable and a
//! blocked waiter keeps waiting; after a restart that keeps the raft state the session and the
//! leadership survive and the waiter wakes on the next change; after a restart that lost the
//! state (a dev agent), the leadership is reported lost, the key can be taken again, and the
//! waiter is told to re-read.

mod support;

use pg_ha_core::model::{Condition, Key};
use pg_ha_core::Dcs;
use std::sync::Arc;
use std::time::Duration;
use support::Target;

async fn retry<T, F, Fut>(what: &str, op: F) -> T
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, pg_ha_core::DcsError>>,
{
    for _ in 0..100 {
        match op().await {
            Ok(v) => return v,
            Err(e) if e.is_retryable() => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(e) => panic!("{what} failed for good: {e}"),
        }
    }
    panic!("{what} did not recover");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_keeping_state_is_survived() {
    let mut consul = Target::start().await;
    let ttl = consul.ttl();
    let holder = Arc::new(consul.client("/restart", "keep"));
    let writer = consul.client("/restart", "keep");
    let Some(emulator) = consul.emulator("restart_keeping_state_is_survived") else {
        return;
    };
    assert!(holder.acquire_leader("node-a", ttl).await.expect("acquire"));
    holder
        .touch_member("node-a", "{}", ttl)
        .await
        .expect("touch");
    let after = holder.read().await.expect("read").revision;
    let waiter = {
        let holder = holder.clone();
        tokio::spawn(async move { holder.wait_for_change(after).await })
    };

    emulator.stop();
    let err = holder
        .read()
        .await
        .expect_err("read while the agent is down");
    assert!(err.is_retryable(), "an outage must be retryable, got {err}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !waiter.is_finished(),
        "the waiter gave up during the outage"
    );
    emulator.start_again(true).await;

    assert!(
        retry("renew", || holder.renew_leader("node-a", ttl)).await,
        "leadership lost"
    );
    let wrote = retry("write", || writer.write(Key::Config, "v1", Condition::Any)).await;
    assert!(wrote.is_some());
    let woke = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .expect("the waiter did not wake after the restart")
        .expect("waiter task")
        .expect("wait_for_change");
    assert!(woke > after);
    let snapshot = holder.read().await.expect("read");
    assert_eq!(
        snapshot.get("leader").map(|e| e.value.as_str()),
        Some("node-a")
    );
    assert_eq!(snapshot.get("config").map(|e| e.value.as_str()), Some("v1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_losing_state_reports_the_lost_leadership() {
    let mut consul = Target::start().await;
    let ttl = consul.ttl();
    let holder = Arc::new(consul.client("/restart", "lost"));
    let Some(emulator) = consul.emulator("restart_losing_state_reports_the_lost_leadership") else {
        return;
    };
    assert!(holder.acquire_leader("node-a", ttl).await.expect("acquire"));
    holder
        .touch_member("node-a", "{}", ttl)
        .await
        .expect("touch");
    holder
        .write(Key::Config, "v1", Condition::Any)
        .await
        .expect("write");
    let after = holder.read().await.expect("read").revision;
    let waiter = {
        let holder = holder.clone();
        tokio::spawn(async move { holder.wait_for_change(after).await })
    };
    emulator.stop();
    emulator.start_again(false).await;

    assert!(!retry("renew", || holder.renew_leader("node-a", ttl)).await);
    let woke = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .expect("the waiter did not wake after the state was lost")
        .expect("waiter task")
        .expect("wait_for_change");
    assert!(woke > after);
    assert!(holder.read().await.expect("read").entries.is_empty());
    assert!(holder
        .acquire_leader("node-a", ttl)
        .await
        .expect("acquire again"));
    holder
        .touch_member("node-a", "{}", ttl)
        .await
        .expect("touch again");
    let snapshot = holder.read().await.expect("read");
    assert_eq!(
        snapshot.get("leader").map(|e| e.value.as_str()),
        Some("node-a")
    );
    assert!(snapshot.get("members/node-a").is_some());
}
