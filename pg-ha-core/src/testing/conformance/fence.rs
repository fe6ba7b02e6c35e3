//! The property the write fence relies on: the leader key outlives the fence.

use super::check::Check;
use super::Harness;
use crate::config::lease_budget;
use std::time::{Duration, Instant};

/// How early before the fence deadline the key is read (the read must reach the server
/// before the deadline).
const EDGE: Duration = Duration::from_millis(100);

/// A leader that stops renewing keeps its key at least until `sent + lease_budget(ttl)`,
/// where `sent` is when its acquire, or its last renewal, was sent: the write fence fires
/// then, so no other node can take over while the old primary may still write. Also when
/// the node's lease or session is older than the acquire (its member key created it half a
/// ttl before). Checked at the harness's ttl; a backend whose leases only end with the
/// client (`silent_lease_expires() == false`) is checked through its session timeout
/// elsewhere.
pub async fn lease_outlives_the_fence<H: Harness + ?Sized>(harness: &H) {
    let check = Check::start(harness, "lease_outlives_the_fence").await;
    if !harness.silent_lease_expires() {
        check.finish().await;
        return;
    }
    let a = check.client("node-a").await;
    let b = check.client("node-b").await;
    let ttl = check.ttl();
    let budget = lease_budget(ttl);
    check.ok(a.touch_member("node-a", "{}", ttl).await, "touch_member");
    check.harness.advance(ttl / 2).await;
    let sent = Instant::now();
    check.acquire(&*a, "node-a", "a free").await;
    check
        .harness
        .advance(budget.saturating_sub(sent.elapsed() + EDGE))
        .await;
    check
        .expect_leader(&*b, "node-a", "at the fence deadline after the acquire")
        .await;
    let sent = Instant::now();
    check.expect_answer(
        a.renew_leader("node-a", ttl).await,
        true,
        "renew_leader",
        "the holder's renewal lost the key",
    );
    check
        .harness
        .advance(budget.saturating_sub(sent.elapsed() + EDGE))
        .await;
    check
        .expect_leader(&*b, "node-a", "at the fence deadline after the renewal")
        .await;
    check.finish().await;
}
