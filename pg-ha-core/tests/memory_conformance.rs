//! The Dcs conformance suite against `MemoryDcs`, on a manual clock.

use pg_ha_core::testing::conformance::{self, Harness};
use pg_ha_core::testing::memory_harness::MemoryHarness;

macro_rules! checks {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                conformance::$name(&MemoryHarness::new()).await;
            }
        )*
    };
}

checks!(
    leader_acquire_is_exclusive,
    leader_renew_only_by_holder,
    leader_release_only_by_holder,
    expired_leader_lease_frees_key,
    renew_fails_after_leader_key_lost,
    conditional_writes,
    conditional_deletes,
    member_keys_follow_their_lease,
    refresh_keeps_member_key,
    snapshot_is_complete,
    read_is_scoped,
    delete_cluster_removes_everything,
    change_wakes_waiter,
    wait_never_misses_a_change,
    recent_read_shows_changes,
);

#[tokio::test]
async fn run_all() {
    conformance::run_all(&MemoryHarness::new()).await;
}

/// Checks are independent: running the whole suite twice on one store passes too.
#[tokio::test]
async fn run_all_twice_on_one_store() {
    let harness = MemoryHarness::new();
    conformance::run_all(&harness).await;
    conformance::run_all(&harness).await;
}

/// The suite also runs through a `dyn Harness`.
#[tokio::test]
async fn run_all_through_dyn_harness() {
    let harness: Box<dyn Harness> = Box::new(MemoryHarness::new());
    conformance::run_all(&*harness).await;
}
