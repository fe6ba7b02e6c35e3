//! The pg-ha-core Dcs conformance suite, whole, against the Consul emulator (or a real agent
//! when `CONSUL_HTTP_ADDR` is set).

mod support;

use async_trait::async_trait;
use pg_ha_core::testing::conformance::{run_all, Harness};
use pg_ha_core::Dcs;
use std::time::Duration;
use support::Target;

/// Clients on one Consul.
struct ConsulHarness {
    consul: Target,
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
        self.consul.ttl()
    }

    fn expiry_slack(&self) -> Duration {
        // Session TTL = ttl/2, invalidated at 2x TTL = ttl after the last renewal; the
        // emulator's reaper runs every 10 ms, a real leader's timer fires on time. Leave room
        // for a slow machine.
        Duration::from_secs(1)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_suite_passes() {
    let harness = ConsulHarness {
        consul: Target::start().await,
    };
    run_all(&harness).await;
}
