//! A custom `Dcs` proved with the exported conformance suite: `CountingDcs` around
//! `MemoryDcs` (on a manual clock) passes every check, and counted the requests they made.

use async_trait::async_trait;
use pg_ha_core::dcs::{Dcs, MemoryStore};
use pg_ha_core::testing::conformance::{run_all, Harness};
use pg_ha_core::time::ManualClock;
use pg_ha_examples::counting_dcs::{CountingDcs, Counts};
use std::sync::Arc;
use std::time::Duration;

struct CountingHarness {
    clock: Arc<ManualClock>,
    store: MemoryStore,
    counts: Counts,
}

#[async_trait]
impl Harness for CountingHarness {
    async fn client(&self, scope: &str, node: &str) -> Box<dyn Dcs> {
        Box::new(CountingDcs::new(
            self.store.client(scope, node),
            self.counts.clone(),
        ))
    }

    async fn advance(&self, by: Duration) {
        self.clock.advance(by);
        self.store.expire();
    }

    fn ttl(&self) -> Duration {
        Duration::from_secs(30)
    }

    fn expiry_slack(&self) -> Duration {
        Duration::ZERO
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counting_layer_over_memory_dcs_passes_the_conformance_suite() {
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let harness = CountingHarness {
        store: MemoryStore::new(clock.clone()),
        clock,
        counts: Counts::default(),
    };
    run_all(&harness).await;
    let counts = harness.counts.snapshot();
    for kind in [
        "read",
        "acquire_leader",
        "renew_leader",
        "touch_member",
        "write",
    ] {
        assert!(
            counts.get(kind).copied().unwrap_or(0) > 0,
            "{kind}: {counts:?}"
        );
    }
}
