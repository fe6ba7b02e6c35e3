//! Unit tests of `MemoryStore` / `MemoryDcs` behaviour the conformance suite does not pin down.

use super::MemoryStore;
use crate::dcs::Dcs;
use crate::model::{Condition, Key};
use crate::time::ManualClock;
use std::sync::Arc;
use std::time::Duration;

const TTL: Duration = Duration::from_secs(30);

fn store() -> (Arc<ManualClock>, MemoryStore) {
    let clock = Arc::new(ManualClock::new(0));
    let store = MemoryStore::new(clock.clone());
    (clock, store)
}

type TestResult = Result<(), crate::DcsError>;

#[tokio::test]
async fn every_mutation_bumps_the_revision_and_sets_the_version() -> TestResult {
    let (_, store) = store();
    let a = store.client("s", "a");
    assert_eq!(store.revision(), 0);
    let v1 = a.write(Key::Config, "{}", Condition::Any).await?;
    assert_eq!(v1, Some(1));
    assert!(a.acquire_leader("a", TTL).await?);
    a.touch_member("a", "{}", TTL).await?;
    let snap = a.read().await?;
    assert_eq!(snap.revision, 3);
    assert_eq!(snap.get("config").map(|e| e.version), Some(1));
    assert_eq!(snap.get("leader").map(|e| e.version), Some(2));
    assert_eq!(snap.get("members/a").map(|e| e.version), Some(3));
    Ok(())
}

#[tokio::test]
async fn renewal_and_failed_operations_do_not_bump_the_revision() -> TestResult {
    let (_, store) = store();
    let a = store.client("s", "a");
    assert!(a.acquire_leader("a", TTL).await?);
    let before = store.revision();
    assert!(a.renew_leader("a", TTL).await?);
    assert!(!a.acquire_leader("a", TTL).await?);
    assert!(!a.release_leader("b").await?);
    assert_eq!(
        a.write(Key::Config, "x", Condition::Version(99)).await?,
        None
    );
    assert!(!a.delete(Key::Config, Condition::Version(99)).await?);
    assert!(a.delete(Key::Config, Condition::Any).await?);
    assert_eq!(store.revision(), before);
    let b = store.client("empty", "b");
    b.delete_cluster().await?;
    assert_eq!(store.revision(), before);
    Ok(())
}

#[tokio::test]
async fn a_lease_expires_exactly_at_ttl_in_one_revision() -> TestResult {
    let (clock, store) = store();
    let a = store.client("s", "a");
    assert!(a.acquire_leader("a", TTL).await?);
    a.touch_member("a", "{}", TTL).await?;
    let before = store.revision();
    clock.advance(TTL - Duration::from_millis(1));
    store.expire();
    assert_eq!(a.read().await?.entries.len(), 2);
    clock.advance(Duration::from_millis(1));
    store.expire();
    assert_eq!(store.revision(), before + 1);
    assert!(a.read().await?.entries.is_empty());
    assert!(!a.renew_leader("a", TTL).await?);
    Ok(())
}

#[tokio::test]
async fn a_dropped_client_keeps_its_keys_until_the_lease_expires() -> TestResult {
    let (clock, store) = store();
    let a = store.client("s", "a");
    assert!(a.acquire_leader("a", TTL).await?);
    drop(a);
    let b = store.client("s", "b");
    clock.advance(TTL / 2);
    assert!(b.read().await?.get("leader").is_some());
    clock.advance(TTL / 2);
    assert!(b.read().await?.get("leader").is_none());
    Ok(())
}

#[tokio::test]
async fn a_restarted_node_takes_over_its_leader_key_on_renew() -> TestResult {
    let (clock, store) = store();
    let old = store.client("s", "a");
    assert!(old.acquire_leader("a", TTL).await?);
    let old_session = old
        .read()
        .await?
        .get("leader")
        .and_then(|e| e.session.clone());
    drop(old);
    let new = store.client("s", "a");
    assert!(new.renew_leader("a", TTL).await?);
    let session = new
        .read()
        .await?
        .get("leader")
        .and_then(|e| e.session.clone());
    assert!(session.is_some());
    assert_ne!(session, old_session);
    // The old lease expiring no longer removes the key.
    clock.advance(TTL / 2);
    assert!(new.renew_leader("a", TTL).await?);
    clock.advance(TTL / 2 + Duration::from_secs(1));
    assert!(new.read().await?.get("leader").is_some());
    Ok(())
}

#[tokio::test]
async fn touching_after_expiry_grants_a_new_lease() -> TestResult {
    let (clock, store) = store();
    let a = store.client("s", "a");
    a.touch_member("a", "{}", TTL).await?;
    let first = a
        .read()
        .await?
        .get("members/a")
        .and_then(|e| e.session.clone());
    clock.advance(TTL);
    a.touch_member("a", "{}", TTL).await?;
    let second = a
        .read()
        .await?
        .get("members/a")
        .and_then(|e| e.session.clone());
    assert!(first.is_some() && second.is_some());
    assert_ne!(first, second);
    Ok(())
}

#[tokio::test]
async fn renew_by_a_non_holder_neither_creates_nor_grants() -> TestResult {
    let (clock, store) = store();
    let a = store.client("s", "a");
    let before = store.revision();
    assert!(!a.renew_leader("a", TTL).await?);
    assert_eq!(store.revision(), before);
    clock.advance(TTL * 2);
    assert!(a.read().await?.entries.is_empty());
    Ok(())
}

#[tokio::test]
async fn delete_with_absent_never_deletes() -> TestResult {
    let (_, store) = store();
    let a = store.client("s", "a");
    assert!(!a.delete(Key::Status, Condition::Absent).await?);
    a.write(Key::Status, "{}", Condition::Any).await?;
    assert!(!a.delete(Key::Status, Condition::Absent).await?);
    assert!(a.read().await?.get("status").is_some());
    Ok(())
}

#[tokio::test]
async fn waiters_ignore_other_scopes_and_wake_on_expiry() -> TestResult {
    let (clock, store) = store();
    let a = store.client("s", "a");
    let other = store.client("other", "x");
    assert!(a.acquire_leader("a", TTL).await?);
    let after = a.read().await?.revision;
    let waiter = store.client("s", "w");
    let task = tokio::spawn(async move { waiter.wait_for_change(after).await });
    tokio::task::yield_now().await;
    other.write(Key::Config, "{}", Condition::Any).await?;
    tokio::task::yield_now().await;
    assert!(
        !task.is_finished(),
        "a change in another scope woke the waiter"
    );
    clock.advance(TTL);
    store.expire();
    let woke = tokio::time::timeout(Duration::from_secs(5), task).await;
    let revision = match woke {
        Ok(Ok(result)) => result?,
        other => panic!("the waiter did not wake on expiry: {other:?}"),
    };
    assert!(revision > after);
    assert_eq!(revision, store.revision());
    Ok(())
}

#[tokio::test]
async fn stores_are_independent() -> TestResult {
    let (_, one) = store();
    let (_, two) = store();
    one.client("s", "a")
        .write(Key::Config, "{}", Condition::Any)
        .await?;
    assert!(two.client("s", "a").read().await?.entries.is_empty());
    assert_eq!(two.revision(), 0);
    Ok(())
}

#[tokio::test]
async fn fresh_keep_alives_are_skipped_and_dated_back_only_when_asked() -> TestResult {
    let (clock, store) = store();
    let a = store.client("s", "a");
    assert!(a.acquire_leader("a", TTL).await?);
    clock.advance(Duration::from_secs(1));
    assert!(a.renew_leader("a", TTL).await?);
    assert_eq!(a.lease_extended_ago().await, None, "every renewal extends");
    store.skip_fresh_keep_alives();
    // At ttl 30 the leader skips within 7.5 s, the member key within a quarter ttl too.
    clock.advance(Duration::from_secs(2));
    assert!(a.renew_leader("a", TTL).await?);
    a.touch_member("a", "{}", TTL).await?;
    assert_eq!(a.lease_extended_ago().await, Some(Duration::from_secs(2)));
    // The lease still ends 30 s after the keep-alive 2 s ago.
    clock.advance(TTL - Duration::from_secs(2));
    store.expire();
    assert!(
        a.read().await?.entries.is_empty(),
        "the skip extended the lease"
    );
    // At ttl 2 the leader's renewal always keeps the lease alive.
    let short = Duration::from_secs(2);
    let b = store.client("s", "b");
    assert!(b.acquire_leader("b", short).await?);
    clock.advance(Duration::from_millis(100));
    assert!(b.renew_leader("b", short).await?);
    assert_eq!(b.lease_extended_ago().await, Some(Duration::ZERO));
    Ok(())
}
