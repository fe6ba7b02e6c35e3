//! Checks of `wait_for_change`: a concurrent change wakes a waiter, failed conditional
//! operations do not, and no kind of change made after `after` is ever missed.

use super::check::Check;
use super::join::{join2, within};
use super::Harness;
use crate::dcs::Dcs;
use crate::model::{Condition, Key};
use std::sync::atomic::{AtomicBool, Ordering};

impl<H: Harness + ?Sized> Check<'_, H> {
    /// Waits from `after` while `writer` does one write, concurrently; fails unless the wait
    /// ends, and only after the write started.
    async fn wake_on_write(&self, waiter: &dyn Dcs, writer: &dyn Dcs, after: u64, value: &str) {
        let written = AtomicBool::new(false);
        let wait = async {
            let revision = self.ok(waiter.wait_for_change(after).await, "wait_for_change");
            (revision, written.load(Ordering::SeqCst))
        };
        let write = async {
            // Give a wrongly resolving wait time to show itself before the write.
            self.harness.advance(self.step() / 4).await;
            written.store(true, Ordering::SeqCst);
            self.ok(
                writer.write(Key::Config, value, Condition::Any).await,
                "write",
            )
        };
        let deadline = self.harness.advance(self.expiry());
        let Some(((revision, after_write), version)) = within(join2(wait, write), deadline).await
        else {
            self.fail(format!(
                "wait_for_change({after}) did not wake within {:?} of a concurrent write",
                self.expiry()
            ))
        };
        self.ensure(
            after_write,
            format!("wait_for_change({after}) returned {revision} before anything changed"),
        );
        self.ensure(
            revision > after,
            format!("wait_for_change({after}) returned {revision}, not greater"),
        );
        self.ensure(version.is_some(), "write(Config, Any) failed");
        let snapshot = self.read(waiter).await;
        self.expect_value(&snapshot, "config", value, "after the wait ended");
        self.ensure(
            snapshot.revision >= revision,
            format!(
                "a read after wait_for_change returned {revision} has revision {}",
                snapshot.revision
            ),
        );
    }
}

/// A waiter blocked in `wait_for_change(read().revision)` wakes promptly when another client
/// writes, and not before — failed conditional writes and deletes are not changes. Twice in a
/// row, as the runner's loop does.
pub async fn change_wakes_waiter<H: Harness + ?Sized>(harness: &H) {
    let check = Check::start(harness, "change_wakes_waiter").await;
    let waiter = check.client("node-w").await;
    let writer = check.client("node-x").await;
    let (waiter, writer) = (&*waiter, &*writer);
    let wrote = check.ok(
        writer.write(Key::Config, "v0", Condition::Any).await,
        "write",
    );
    check.ensure(wrote.is_some(), "write(Config, Any) failed");
    let after = check.read(waiter).await.revision;
    // Operations whose condition fails change nothing.
    let failed = check.ok(
        writer.write(Key::Config, "x", Condition::Absent).await,
        "write(Config, Absent)",
    );
    check.ensure(failed.is_none(), "Absent wrote over an existing key");
    let deleted = check.ok(
        writer.delete(Key::Config, Condition::Version(0)).await,
        "delete(Config, Version(0))",
    );
    check.ensure(!deleted, "a delete with a wrong version reported success");
    check.wake_on_write(waiter, writer, after, "v1").await;
    let after = check.read(waiter).await.revision;
    check.wake_on_write(waiter, writer, after, "v2").await;
    check.finish().await;
}

/// Every kind of change made after `after` — by another client or by the waiter itself —
/// makes `wait_for_change(after)` return a greater revision, even when the change happened
/// before the call and even after several changes.
pub async fn wait_never_misses_a_change<H: Harness + ?Sized>(harness: &H) {
    let check = Check::start(harness, "wait_never_misses_a_change").await;
    let waiter = check.client("node-w").await;
    let actor = check.client("node-a").await;
    let admin = check.client("node-admin").await;
    let (w, a) = (&*waiter, &*actor);
    let ttl = check.ttl();

    let r = check.read(w).await.revision;
    let v1 = check.ok(a.write(Key::Config, "v1", Condition::Absent).await, "write");
    check.expect_change(w, r, "write(Absent)").await;
    let Some(v1) = v1 else {
        check.fail("write(Config, Absent) of a missing key failed")
    };

    let r = check.read(w).await.revision;
    let v2 = check.ok(
        a.write(Key::Config, "v2", Condition::Version(v1)).await,
        "write",
    );
    check.ensure(v2.is_some(), "write(Config, Version(current)) failed");
    check.expect_change(w, r, "write(Version)").await;

    let r = check.read(w).await.revision;
    check.ok(a.write(Key::Status, "{}", Condition::Any).await, "write");
    check.expect_change(w, r, "write(Any)").await;

    let r = check.read(w).await.revision;
    check.acquire(a, "node-a", "a free").await;
    check.expect_change(w, r, "acquire_leader").await;

    let r = check.read(w).await.revision;
    check.ok(a.touch_member("node-a", "{}", ttl).await, "touch_member");
    check.expect_change(w, r, "touch_member (create)").await;

    let r = check.read(w).await.revision;
    check.ok(a.touch_member("node-a", "{\"x\":1}", ttl).await, "touch");
    check.expect_change(w, r, "touch_member (update)").await;

    let r = check.read(w).await.revision;
    check.ensure(
        check.ok(a.release_leader("node-a").await, "release_leader"),
        "the holder's release_leader returned false",
    );
    check.expect_change(w, r, "release_leader").await;

    let r = check.read(w).await.revision;
    check.ensure(
        check.ok(a.delete(Key::Status, Condition::Any).await, "delete"),
        "delete(Status, Any) failed",
    );
    check.expect_change(w, r, "delete(Any)").await;

    // The waiter's own write, and several changes before the call.
    let r = check.read(w).await.revision;
    check.ok(w.write(Key::Failover, "{}", Condition::Any).await, "write");
    check.ok(a.write(Key::History, "[]", Condition::Any).await, "write");
    check.ok(a.write(Key::Failsafe, "{}", Condition::Any).await, "write");
    let revision = check.expect_change(w, r, "three writes").await;
    let snapshot = check.read(w).await;
    check.ensure(
        snapshot.revision >= revision,
        format!(
            "a read after wait_for_change returned {revision} has revision {}",
            snapshot.revision
        ),
    );

    let r = snapshot.revision;
    check.ok(admin.delete_cluster().await, "delete_cluster");
    check.expect_change(w, r, "delete_cluster").await;
    check.finish().await;
}
