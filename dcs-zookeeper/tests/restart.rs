//! A ZooKeeper restart (kill -9, start on the same port and data) is survived: calls fail as
//! retryable while the server is down, the session comes back (or, if it expired, a new one
//! replaces it and the leadership is reported lost), and a waiter that was blocked across the
//! restart still wakes on the next change.

mod support;

use pg_ha_core::model::{Condition, Key};
use pg_ha_core::testing::outage::{retry, Waiter};
use pg_ha_core::testing::takeover::lead;
use pg_ha_core::Dcs;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::ZkServer;

const TTL: Duration = Duration::from_secs(6);
/// How long calls may take to recover after the restart.
const RECOVERY: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_is_survived() {
    let mut zk = ZkServer::start().await;
    let holder = Arc::new(zk.client("/restart", "c1", TTL));
    let writer = zk.client("/restart", "c1", TTL);
    lead(&*holder, "node-a", TTL).await;
    writer
        .write(Key::Config, "v1", Condition::Any)
        .await
        .expect("write");
    let after = holder.read().await.expect("read").revision;
    let session = holder.session_id().await.expect("session");

    let waiter = Waiter::spawn(holder.clone(), after);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!waiter.is_finished(), "the waiter woke without a change");

    zk.kill();
    let err = holder.read().await.expect_err("read with the server down");
    assert!(err.is_retryable(), "an outage must be retryable, got {err}");
    let down_at = Instant::now();
    zk.restart().await;
    println!("ZooKeeper was down for {:?}", down_at.elapsed());

    let renewed = retry("renew after the restart", RECOVERY, || {
        holder.renew_leader("node-a", TTL)
    })
    .await;
    let same_session = holder.session_id().await.expect("session") == session;
    println!("after the restart: renewed = {renewed}, same session = {same_session}");
    assert_eq!(
        renewed, same_session,
        "leadership must survive exactly with the session"
    );
    if !renewed {
        // The session expired across the restart: the leader znode is gone; take it again.
        assert!(holder
            .acquire_leader("node-a", TTL)
            .await
            .expect("acquire again"));
    }

    let wrote = retry("write after the restart", RECOVERY, || {
        writer.write(Key::Config, "v2", Condition::Any)
    })
    .await;
    assert!(wrote.is_some());
    waiter
        .woke_within(Duration::from_secs(30), "after the restart")
        .await;
    let snapshot = holder.read().await.expect("read");
    assert_eq!(snapshot.get("config").map(|e| e.value.as_str()), Some("v2"));
    assert_eq!(
        snapshot.get("leader").map(|e| e.value.as_str()),
        Some("node-a")
    );
}
