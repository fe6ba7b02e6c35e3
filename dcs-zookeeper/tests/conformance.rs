//! The pg-ha-core Dcs conformance suite, whole, against a real ZooKeeper 3.8.

mod support;

use async_trait::async_trait;
use pg_ha_core::testing::conformance::{run_all, Harness};
use pg_ha_core::Dcs;
use std::time::Duration;
use support::ZkServer;

/// Clients on one real ZooKeeper, with a 2 s session timeout (= ttl).
struct ZkHarness {
    zk: ZkServer,
}

#[async_trait]
impl Harness for ZkHarness {
    async fn client(&self, scope: &str, _node: &str) -> Box<dyn Dcs> {
        Box::new(self.zk.client("/service", scope, self.ttl()))
    }

    async fn advance(&self, by: Duration) {
        tokio::time::sleep(by).await;
    }

    fn ttl(&self) -> Duration {
        Duration::from_secs(2)
    }

    fn expiry_slack(&self) -> Duration {
        // Sessions expire within one tick of their timeout; leave room for a slow machine.
        Duration::from_secs(1)
    }

    fn silent_lease_expires(&self) -> bool {
        // The client keeps its session alive in the background: a silent node is a dropped
        // client (whose session is closed) or a partitioned one (tests/session_expiry.rs).
        false
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_suite_passes() {
    let harness = ZkHarness {
        zk: ZkServer::start().await,
    };
    run_all(&harness).await;
}
