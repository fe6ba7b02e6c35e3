//! An agent (emulator) restart is survived: while it is down calls fail as retryable and a
//! blocked waiter keeps waiting; after a restart that keeps the raft state the session and the
//! leadership survive and the waiter wakes on the next change; after a restart that lost the
//! state (a dev agent), the leadership is reported lost, the key can be taken again, and the
//! waiter is told to re-read.

mod support;

use pg_ha_core::model::{Condition, Key};
use pg_ha_core::testing::outage::{retry, Waiter};
use pg_ha_core::testing::takeover::lead;
use pg_ha_core::Dcs;
use std::sync::Arc;
use std::time::Duration;
use support::Target;

/// How long a call may take to recover after the restart (generous: a loaded machine).
const RECOVERY: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_keeping_state_is_survived() {
    let mut consul = Target::start().await;
    let ttl = consul.ttl();
    let holder = Arc::new(consul.client("/restart", "keep"));
    let writer = consul.client("/restart", "keep");
    let Some(emulator) = consul.emulator("restart_keeping_state_is_survived") else {
        return;
    };
    lead(&*holder, "node-a", ttl).await;
    let after = holder.read().await.expect("read").revision;
    let waiter = Waiter::spawn(holder.clone(), after);

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
        retry("renew", RECOVERY, || holder.renew_leader("node-a", ttl)).await,
        "leadership lost"
    );
    let wrote = retry("write", RECOVERY, || {
        writer.write(Key::Config, "v1", Condition::Any)
    })
    .await;
    assert!(wrote.is_some());
    waiter
        .woke_within(Duration::from_secs(30), "after the restart")
        .await;
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
    lead(&*holder, "node-a", ttl).await;
    holder
        .write(Key::Config, "v1", Condition::Any)
        .await
        .expect("write");
    let after = holder.read().await.expect("read").revision;
    let waiter = Waiter::spawn(holder.clone(), after);
    emulator.stop();
    emulator.start_again(false).await;

    assert!(!retry("renew", RECOVERY, || holder.renew_leader("node-a", ttl)).await);
    waiter
        .woke_within(Duration::from_secs(30), "after the state was lost")
        .await;
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
