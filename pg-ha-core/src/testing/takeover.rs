//! Helpers for the backends' tests on a real server: a node that leads (and renews for a
//! while, then goes silent or is cut off), and another node that takes the leader key over.

use crate::dcs::Dcs;
use crate::model::{Snapshot, LEADER_PATH, MEMBERS_PREFIX};
use std::time::{Duration, Instant};

/// How often [`acquire_when_free`] retries.
const POLL: Duration = Duration::from_millis(50);

/// `dcs` acquires the free leader key as `name` and publishes its member key (`{}`). Panics
/// if either fails.
pub async fn lead(dcs: &dyn Dcs, name: &str, ttl: Duration) {
    assert!(
        dcs.acquire_leader(name, ttl).await.expect("acquire"),
        "{name} could not acquire a free leader key"
    );
    dcs.touch_member(name, "{}", ttl).await.expect("touch");
}

/// `holder` [leads](lead) as `name`, then renews every ttl/3 for one ttl. Panics if any of it
/// fails.
pub async fn hold_for_a_ttl(holder: &dyn Dcs, name: &str, ttl: Duration) {
    lead(holder, name, ttl).await;
    for _ in 0..3 {
        tokio::time::sleep(ttl / 3).await;
        assert!(
            holder.renew_leader(name, ttl).await.expect("renew"),
            "{name} lost the leader key while renewing"
        );
    }
}

/// Retries `acquire_leader(name)` on `dcs` every 50 ms until it succeeds, and returns the
/// time since `since`. Panics if a call fails or `give_up` has passed since `since`.
pub async fn acquire_when_free(
    dcs: &dyn Dcs,
    name: &str,
    ttl: Duration,
    since: Instant,
    give_up: Duration,
) -> Duration {
    loop {
        if dcs.acquire_leader(name, ttl).await.expect("acquire") {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < give_up,
            "{name} still cannot acquire the leader key {:?} after the holder went away",
            since.elapsed()
        );
        tokio::time::sleep(POLL).await;
    }
}

/// Reads through `dcs` and checks that `leader` holds the leader key and that `gone` has no
/// member key any more; returns the snapshot for further checks.
pub async fn assert_took_over(dcs: &dyn Dcs, leader: &str, gone: &str) -> Snapshot {
    let snapshot = dcs.read().await.expect("read");
    assert_eq!(
        snapshot.get(LEADER_PATH).map(|e| e.value.as_str()),
        Some(leader),
        "the leader key does not hold the new leader"
    );
    let member = format!("{MEMBERS_PREFIX}{gone}");
    assert!(
        snapshot.get(&member).is_none(),
        "the member key of {gone}, who went away, survived"
    );
    snapshot
}
