//! The pg-ha-core Dcs conformance suite, whole, against a real etcd.

mod support;

use async_trait::async_trait;
use pg_ha_core::testing::conformance::{run_all, Harness};
use pg_ha_core::Dcs;
use std::time::Duration;
use support::EtcdCluster;

/// Clients on one real etcd, with a 2 s lease ttl.
struct EtcdHarness {
    etcd: EtcdCluster,
}

#[async_trait]
impl Harness for EtcdHarness {
    async fn client(&self, scope: &str, _node: &str) -> Box<dyn Dcs> {
        Box::new(self.etcd.client(scope))
    }

    async fn advance(&self, by: Duration) {
        tokio::time::sleep(by).await;
    }

    fn ttl(&self) -> Duration {
        // etcd's minimum lease TTL with default timing is 2 s.
        Duration::from_secs(2)
    }

    fn expiry_slack(&self) -> Duration {
        // The lessor checks expiry every 500 ms; leave room for a slow machine.
        Duration::from_millis(1500)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_suite_passes() {
    let harness = EtcdHarness {
        etcd: EtcdCluster::start().await,
    };
    run_all(&harness).await;
}
