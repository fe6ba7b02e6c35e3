//! `Check`: the per-check context (name, scope, harness) and the assertion helpers that make
//! every failure name its check.

use super::join::within;
use super::Harness;
use crate::dcs::{Dcs, DcsError};
use crate::model::{Entry, Snapshot, LEADER_PATH};
use std::fmt::Display;
use std::time::Duration;

/// How much harness time, beyond ttl + slack, a check keeps polling for a lease's keys to
/// vanish before it fails. A real server on a loaded machine can expire a lease late; one
/// that never expires still fails (and in memory the clock is manual, so this costs nothing).
const EXPIRY_GRACE: Duration = Duration::from_secs(30);

/// The longest step between two polls of [`Check::expect_expired`].
const EXPIRY_POLL: Duration = Duration::from_millis(250);

/// The context of one running check.
pub(super) struct Check<'h, H: Harness + ?Sized> {
    /// The check's name, quoted in every failure.
    pub(super) name: &'static str,
    /// The harness the check runs on.
    pub(super) harness: &'h H,
    /// The check's own scope.
    pub(super) scope: String,
    /// Other scopes the check uses (cleaned at start and finish).
    others: Vec<String>,
}

impl<'h, H: Harness + ?Sized> Check<'h, H> {
    /// Starts check `name` in a fresh scope, removing anything an earlier run left there.
    pub(super) async fn start(harness: &'h H, name: &'static str) -> Self {
        let scope = format!("{}-{}", harness.scope_prefix(), name.replace('_', "-"));
        let check = Check {
            name,
            harness,
            scope,
            others: Vec::new(),
        };
        check.clean(&check.scope).await;
        check
    }

    /// A second scope for this check, named `<scope>-<suffix>` so that it shares the check
    /// scope's name as a prefix (a read of the prefix without its trailing `/` would leak it).
    pub(super) async fn other_scope(&mut self, suffix: &str) -> String {
        let other = format!("{}-{suffix}", self.scope);
        self.clean(&other).await;
        self.others.push(other.clone());
        other
    }

    /// Deletes every key of the check's scopes, so a shared server is left clean.
    pub(super) async fn finish(self) {
        self.clean(&self.scope).await;
        for other in &self.others {
            self.clean(other).await;
        }
    }

    async fn clean(&self, scope: &str) {
        let admin = self.harness.client(scope, "conformance-admin").await;
        self.ok(admin.delete_cluster().await, "delete_cluster (cleanup)");
    }

    /// A new client for `node` in the check's scope.
    pub(super) async fn client(&self, node: &str) -> Box<dyn Dcs> {
        self.harness.client(&self.scope, node).await
    }

    /// The lease ttl of the harness.
    pub(super) fn ttl(&self) -> Duration {
        self.harness.ttl()
    }

    /// A third of the ttl: the renewal interval the checks use.
    pub(super) fn step(&self) -> Duration {
        (self.ttl() / 3).max(Duration::from_millis(1))
    }

    /// How long to wait for a lease to expire: ttl plus the server's slack.
    pub(super) fn expiry(&self) -> Duration {
        self.ttl() + self.harness.expiry_slack()
    }

    /// Panics with the check's name unless `condition` holds.
    #[track_caller]
    pub(super) fn ensure(&self, condition: bool, message: impl Display) {
        if !condition {
            self.fail(message);
        }
    }

    /// Panics with the check's name.
    #[track_caller]
    pub(super) fn fail(&self, message: impl Display) -> ! {
        panic!("conformance check `{}` failed: {message}", self.name)
    }

    /// The value of a DCS call that must succeed.
    #[track_caller]
    pub(super) fn ok<T>(&self, result: Result<T, DcsError>, what: &str) -> T {
        match result {
            Ok(v) => v,
            Err(e) => self.fail(format!("{what} returned an error: {e}")),
        }
    }

    /// A DCS call answering yes or no that must succeed with `expected`; else the check fails
    /// with `message`.
    #[track_caller]
    pub(super) fn expect_answer(
        &self,
        result: Result<bool, DcsError>,
        expected: bool,
        what: &str,
        message: impl Display,
    ) {
        let answer = self.ok(result, what);
        self.ensure(answer == expected, message);
    }

    /// `acquire_leader(name)` through `dcs`, which must win the key; `key` says which key it
    /// is (e.g. "a free", "the expired") in the failure.
    pub(super) async fn acquire(&self, dcs: &dyn Dcs, name: &str, key: &str) {
        let won = dcs.acquire_leader(name, self.ttl()).await;
        self.expect_answer(
            won,
            true,
            "acquire_leader",
            format!("{name} could not acquire {key} leader key"),
        );
    }

    /// Fails unless a fresh read through `dcs` shows the leader key holding `name`.
    pub(super) async fn expect_leader(&self, dcs: &dyn Dcs, name: &str, when: &str) {
        let snapshot = self.read(dcs).await;
        self.expect_value(&snapshot, LEADER_PATH, name, when);
    }

    /// A read that must succeed.
    pub(super) async fn read(&self, dcs: &dyn Dcs) -> Snapshot {
        self.ok(dcs.read().await, "read")
    }

    /// The entry at `path` in a fresh read.
    pub(super) async fn entry(&self, dcs: &dyn Dcs, path: &str) -> Option<Entry> {
        self.read(dcs).await.get(path).cloned()
    }

    /// Fails unless `path` holds exactly `value` in a fresh read.
    #[track_caller]
    pub(super) fn expect_value(&self, snapshot: &Snapshot, path: &str, value: &str, when: &str) {
        match snapshot.get(path) {
            Some(e) if e.value == value => {}
            Some(e) => self.fail(format!(
                "{when}: `{path}` holds {:?}, expected {value:?}",
                e.value
            )),
            None => self.fail(format!("{when}: `{path}` is missing, expected {value:?}")),
        }
    }

    /// Fails if `path` exists in the snapshot.
    #[track_caller]
    pub(super) fn expect_absent(&self, snapshot: &Snapshot, path: &str, when: &str) {
        if let Some(e) = snapshot.get(path) {
            self.fail(format!(
                "{when}: `{path}` should be absent, holds {:?}",
                e.value
            ));
        }
    }

    /// Fails unless every path in `paths` is gone from a fresh read through `dcs`, polling
    /// for up to [`EXPIRY_GRACE`] more harness time (in short steps, touching the member keys
    /// of `keep_alive` after each) when some are still there: called once ttl + slack has
    /// passed, when the keys are expected gone. Returns the read in which they were gone.
    pub(super) async fn expect_expired(
        &self,
        dcs: &dyn Dcs,
        paths: &[&str],
        keep_alive: &[(&dyn Dcs, &str, &str)],
        when: &str,
    ) -> Snapshot {
        let mut extra = Duration::ZERO;
        loop {
            let snapshot = self.read(dcs).await;
            let left: Vec<&str> = paths
                .iter()
                .copied()
                .filter(|path| snapshot.get(path).is_some())
                .collect();
            if left.is_empty() {
                return snapshot;
            }
            if extra >= EXPIRY_GRACE {
                self.fail(format!(
                    "{when}: {left:?} still present {extra:?} after ttl + slack ({:?})",
                    self.expiry()
                ));
            }
            let by = (self.step() / 2).clamp(Duration::from_millis(1), EXPIRY_POLL);
            self.advance_touching(by, keep_alive).await;
            extra += by;
        }
    }

    /// `wait_for_change(after)` bounded by ttl + slack of harness time; `None` if it timed out.
    pub(super) async fn wait(&self, dcs: &dyn Dcs, after: u64) -> Option<u64> {
        let deadline = self.harness.advance(self.expiry());
        within(dcs.wait_for_change(after), deadline)
            .await
            .map(|r| self.ok(r, "wait_for_change"))
    }

    /// Like [`Check::wait`], but a timeout fails the check.
    pub(super) async fn expect_change(&self, dcs: &dyn Dcs, after: u64, what: &str) -> u64 {
        let Some(revision) = self.wait(dcs, after).await else {
            self.fail(format!(
                "wait_for_change({after}) did not return within {:?} after {what}",
                self.expiry()
            ))
        };
        self.ensure(
            revision > after,
            format!("wait_for_change({after}) returned {revision} after {what}, not greater"),
        );
        revision
    }

    /// Makes a node stop renewing. On backends whose leases outlive a silent but connected
    /// client (see [`Harness::silent_lease_expires`]) the client is dropped instead, and
    /// `None` is returned.
    pub(super) fn silence(&self, client: Box<dyn Dcs>) -> Option<Box<dyn Dcs>> {
        if self.harness.silent_lease_expires() {
            Some(client)
        } else {
            drop(client);
            None
        }
    }

    /// Lets `total` pass in steps of a third of the ttl, touching the member keys of
    /// `keep_alive` (client, name, value) after every step.
    pub(super) async fn advance_touching(
        &self,
        total: Duration,
        keep_alive: &[(&dyn Dcs, &str, &str)],
    ) {
        let mut elapsed = Duration::ZERO;
        while elapsed < total {
            let by = self.step().min(total - elapsed);
            self.harness.advance(by).await;
            elapsed += by;
            for (dcs, name, value) in keep_alive {
                self.ok(
                    dcs.touch_member(name, value, self.ttl()).await,
                    "touch_member (keep-alive)",
                );
            }
        }
    }
}
