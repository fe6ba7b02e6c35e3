//! The pg-ha-core Dcs conformance suite, whole, against the Consul emulator (or a real agent
//! when `CONSUL_HTTP_ADDR` is set).

mod support;

use async_trait::async_trait;
use pg_ha_core::testing::conformance::{lease_outlives_the_fence, run_all, Harness};
use pg_ha_core::Dcs;
use std::time::Duration;
use support::Target;

/// Clients on one Consul.
struct ConsulHarness {
    consul: Target,
    /// The ttl the checks use, when not the target's own.
    ttl: Option<Duration>,
}

#[async_trait]
impl Harness for ConsulHarness {
    async fn client(&self, scope: &str, _node: &str) -> Box<dyn Dcs> {
        Box::new(self.consul.client("/service", scope))
    }

    async fn advance(&self, by: Duration) {
        tokio::time::sleep(by).await;
    }

    fn ttl(&self) -> Duration {
        self.ttl.unwrap_or_else(|| self.consul.ttl())
    }

    fn expiry_slack(&self) -> Duration {
        // Session TTL = the fence budget (ttl minus the safety margin), invalidated at up to
        // 2x TTL after the last renewal; the emulator's reaper runs every 10 ms, a real
        // leader's timer fires on time. Leave room for a slow machine.
        self.ttl() + Duration::from_secs(1)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_suite_passes() {
    let harness = ConsulHarness {
        consul: Target::start().await,
        ttl: None,
    };
    run_all(&harness).await;
}

/// The leader key outlives the write fence even when Consul invalidates a session at the
/// earliest time it documents (its TTL after the last renewal), at ttl 10 and 30.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leader_key_outlives_the_fence_at_ttl_10_and_30() {
    let at = |ttl: u64| async move {
        let harness = ConsulHarness {
            consul: Target::start_invalidating_at(1).await,
            ttl: Some(Duration::from_secs(ttl)),
        };
        lease_outlives_the_fence(&harness).await;
    };
    tokio::join!(at(10), at(30));
}
