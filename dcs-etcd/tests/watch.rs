//! `wait_for_change` details on a real etcd: a compacted history ends the wait at once with
//! the current revision, changes in a sibling scope do not wake a waiter, and interrupted
//! waits miss nothing.

mod support;

use pg_ha_core::model::{Condition, Key};
use pg_ha_core::Dcs;
use std::time::Duration;
use support::{raw_client, EtcdCluster};

/// How long a wait that must return is given. Nothing else changes in these scopes, so a
/// wait that should return but blocks would block for ever: the bound can be generous
/// (a loaded machine delays etcd's answer) without letting a wrong wait pass.
const SETTLE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compacted_history_returns_the_current_revision() {
    let etcd = EtcdCluster::start().await;
    let dcs = etcd.client("compacted");
    let old = dcs.read().await.expect("read").revision;
    let mut latest = 0;
    for i in 0..5 {
        let value = format!("{{\"optime\":{i}}}");
        latest = dcs
            .write(Key::Status, &value, Condition::Any)
            .await
            .expect("write")
            .expect("applied");
    }
    let mut raw = raw_client(&etcd.endpoint(0), None)
        .await
        .expect("raw client");
    raw.compact(i64::try_from(latest).expect("revision"), None)
        .await
        .expect("compact");

    let woke = tokio::time::timeout(SETTLE, dcs.wait_for_change(old))
        .await
        .expect("a compacted wait must return (nothing else will change)")
        .expect("wait_for_change");
    assert!(
        woke >= latest,
        "woke at {woke}, the history ends at {latest}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sibling_scope_does_not_wake_a_waiter() {
    let etcd = EtcdCluster::start().await;
    let mine = etcd.client("watch");
    let sibling = etcd.client("watch-x");
    let after = mine.read().await.expect("read").revision;
    let wait = mine.wait_for_change(after);
    let writes = async {
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            sibling
                .write(Key::Config, "{}", Condition::Any)
                .await
                .expect("write");
        }
    };
    let woke = tokio::time::timeout(Duration::from_secs(1), async {
        tokio::join!(wait, writes).0
    })
    .await;
    assert!(
        woke.is_err(),
        "a sibling scope's writes woke the waiter: {woke:?}"
    );

    let written = mine
        .write(Key::Config, "{}", Condition::Any)
        .await
        .expect("write")
        .expect("applied");
    let woke = tokio::time::timeout(SETTLE, mine.wait_for_change(after))
        .await
        .expect("own scope's write wakes")
        .expect("wait_for_change");
    assert_eq!(woke, written);
}

/// The watch stays open between waits: a change made while nobody waits (the last wait was
/// cut short, as the agent's loop does when its timer fires first) is reported to the next
/// wait, a wait after it blocks until the next change, and a wait from an older revision
/// still learns of the change at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_waits_miss_nothing() {
    let etcd = EtcdCluster::start().await;
    let dcs = etcd.client("reuse");
    let writer = etcd.client("reuse");
    let start = dcs.read().await.expect("read").revision;
    let quiet = Duration::from_millis(300);
    assert!(tokio::time::timeout(quiet, dcs.wait_for_change(start))
        .await
        .is_err());

    let written = writer
        .write(Key::Config, "{}", Condition::Any)
        .await
        .expect("write")
        .expect("applied");
    let woke = tokio::time::timeout(SETTLE, dcs.wait_for_change(start))
        .await
        .expect("the change made between waits is reported")
        .expect("wait_for_change");
    assert!(woke >= written, "woke at {woke}, the write was {written}");

    assert!(
        tokio::time::timeout(quiet, dcs.wait_for_change(woke))
            .await
            .is_err(),
        "a wait after the last change returned without a new one"
    );
    let again = tokio::time::timeout(SETTLE, dcs.wait_for_change(start))
        .await
        .expect("a wait from the older revision returns (nothing else will change)")
        .expect("wait_for_change");
    assert!(again >= written);
}
