//! Checks of `read_recent`: it shows the node's own writes at once, a change the node
//! waited for at once, and another node's change shortly even when nobody waits; it never
//! goes back to an older view.

use super::check::Check;
use super::join::within;
use super::Harness;
use crate::dcs::Dcs;
use crate::model::{Condition, Key, Snapshot};

impl<H: Harness + ?Sized> Check<'_, H> {
    /// A `read_recent` that must succeed.
    async fn recent(&self, dcs: &dyn Dcs) -> Snapshot {
        self.ok(dcs.read_recent().await, "read_recent")
    }

    /// Lets `dcs` start waiting for a change after `after` and gives up after a short while,
    /// as the runner's loop does when its timer fires first (a backend may keep its watch).
    async fn abandoned_wait(&self, dcs: &dyn Dcs, after: u64) {
        let deadline = self.harness.advance(self.step() / 4);
        let _ = within(dcs.wait_for_change(after), deadline).await;
    }

    /// Polls `read_recent` until `path` holds `value`, for at most ttl + slack.
    async fn recent_shows(&self, dcs: &dyn Dcs, path: &str, value: &str, when: &str) {
        let tries = 20;
        for _ in 0..tries {
            let snapshot = self.recent(dcs).await;
            if snapshot.get(path).is_some_and(|e| e.value == value) {
                return;
            }
            self.harness.advance(self.expiry() / tries).await;
        }
        let snapshot = self.recent(dcs).await;
        self.expect_value(&snapshot, path, value, when);
    }
}

/// `read_recent` shows the node's own writes at once, a change it waited for at once, and
/// another node's change within ttl + slack without anyone waiting; its revision never
/// decreases.
pub async fn recent_read_shows_changes<H: Harness + ?Sized>(harness: &H) {
    let check = Check::start(harness, "recent_read_shows_changes").await;
    let reader = check.client("node-r").await;
    let other = check.client("node-o").await;
    let (r, o) = (&*reader, &*other);

    check.ok(o.write(Key::Config, "c1", Condition::Any).await, "write");
    let first = check.recent(r).await;
    check.expect_value(&first, "config", "c1", "read_recent after another's write");
    check.abandoned_wait(r, first.revision).await;
    let idle = check.recent(r).await;
    check.ensure(
        idle.revision >= first.revision,
        "read_recent went back to an older revision",
    );

    check.ok(r.write(Key::Status, "own", Condition::Any).await, "write");
    let own = check.recent(r).await;
    check.expect_value(
        &own,
        "status",
        "own",
        "read_recent right after its own write",
    );

    check.ok(o.write(Key::Config, "c2", Condition::Any).await, "write");
    check
        .expect_change(r, own.revision, "another's write")
        .await;
    let waited = check.recent(r).await;
    check.expect_value(&waited, "config", "c2", "read_recent after the wait ended");

    check.abandoned_wait(r, waited.revision).await;
    check.ok(o.write(Key::Config, "c3", Condition::Any).await, "write");
    check
        .recent_shows(r, "config", "c3", "read_recent, nobody waiting")
        .await;

    check.acquire(o, "node-o", "a free").await;
    check
        .recent_shows(r, "leader", "node-o", "read_recent after acquire_leader")
        .await;
    check.finish().await;
}
