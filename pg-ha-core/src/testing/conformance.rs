//! The Dcs conformance suite.
//!
//! A backend's test provides a [`Harness`] that makes clients for a real server, then calls
//! [`run_all`] (or single checks). Each check uses its own scope (`<scope_prefix>-<check>`,
//! cleaned at start and finish), so checks are independent and can share one server.
//!
//! Every check panics with a message naming it. Checks wait only through
//! [`Harness::advance`], and never assume that a dropped client's keys persist, nor that they
//! vanish before ttl + [`Harness::expiry_slack`]. Keys expected gone after that are polled
//! for a while longer before a check fails (a real server on a loaded machine can be late),
//! so a lease that never expires fails, one that expires a little late does not.

mod check;
mod fence;
mod join;
mod keys;
mod leader;
mod members;
mod recent;
mod watch;

use crate::dcs::Dcs;
use async_trait::async_trait;
use std::time::Duration;

pub use fence::lease_outlives_the_fence;
pub use keys::{conditional_deletes, conditional_writes, delete_cluster_removes_everything};
pub use keys::{read_is_scoped, snapshot_is_complete};
pub use leader::renew_fails_after_leader_key_lost;
pub use leader::{expired_leader_lease_frees_key, leader_acquire_is_exclusive};
pub use leader::{leader_release_only_by_holder, leader_renew_only_by_holder};
pub use members::{member_keys_follow_their_lease, refresh_keeps_member_key};
pub use recent::recent_read_shows_changes;
pub use watch::{change_wakes_waiter, wait_never_misses_a_change};

/// What a backend's test provides to run the suite.
#[async_trait]
pub trait Harness: Send + Sync {
    /// A new client for node `node` of cluster `scope`, with its own lease / session.
    async fn client(&self, scope: &str, node: &str) -> Box<dyn Dcs>;

    /// Lets `by` pass for leases (sleeps on a real server; advances a manual clock in memory).
    async fn advance(&self, by: Duration);

    /// The lease ttl the checks use (short, e.g. 2-5 s on a real server).
    fn ttl(&self) -> Duration;

    /// Extra time the server may take beyond ttl to expire a lease (e.g. ZooKeeper's session
    /// timeout granularity, Consul's 2x TTL); zero in memory.
    fn expiry_slack(&self) -> Duration;

    /// Whether a lease expires when its client stays connected but stops calling
    /// `renew_leader` / `touch_member` (etcd, Consul, memory: the default). ZooKeeper returns
    /// `false`: its ephemeral keys live as long as the session, which the client keeps alive
    /// in the background; the checks then simulate a silent node by dropping its client.
    fn silent_lease_expires(&self) -> bool {
        true
    }

    /// The prefix of the scopes the checks use; override it to keep concurrent runs against
    /// one server apart.
    fn scope_prefix(&self) -> String {
        "pg-ha-conformance".to_string()
    }
}

/// Runs every check in turn; panics with the name of the first that fails.
pub async fn run_all<H: Harness + ?Sized>(harness: &H) {
    leader_acquire_is_exclusive(harness).await;
    leader_renew_only_by_holder(harness).await;
    leader_release_only_by_holder(harness).await;
    expired_leader_lease_frees_key(harness).await;
    lease_outlives_the_fence(harness).await;
    renew_fails_after_leader_key_lost(harness).await;
    conditional_writes(harness).await;
    conditional_deletes(harness).await;
    member_keys_follow_their_lease(harness).await;
    refresh_keeps_member_key(harness).await;
    snapshot_is_complete(harness).await;
    read_is_scoped(harness).await;
    delete_cluster_removes_everything(harness).await;
    change_wakes_waiter(harness).await;
    wait_never_misses_a_change(harness).await;
    recent_read_shows_changes(harness).await;
}
