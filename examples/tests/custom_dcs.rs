//! A custom `Dcs` proved with the exported conformance suite: `CountingDcs` around
//! `MemoryDcs` (on a manual clock) passes every check, and counted the requests they made.

use pg_ha_core::testing::conformance::run_all;
use pg_ha_core::testing::memory_harness::MemoryHarness;
use pg_ha_examples::counting_dcs::{CountingDcs, Counts};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counting_layer_over_memory_dcs_passes_the_conformance_suite() {
    let counts = Counts::default();
    let layer = counts.clone();
    let harness =
        MemoryHarness::wrapping(move |dcs| Box::new(CountingDcs::new(dcs, layer.clone())));
    run_all(&harness).await;
    let counts = counts.snapshot();
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
