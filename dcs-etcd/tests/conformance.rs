//! The pg-ha-core Dcs conformance suite, whole, against a real etcd.

mod support;

use async_trait::async_trait;
use pg_ha_core::testing::conformance::{lease_outlives_the_fence, run_all, Harness};
use pg_ha_core::Dcs;
use std::sync::Arc;
use std::time::Duration;
use support::EtcdCluster;

/// Clients on one real etcd, with a 2 s lease ttl unless another is given.
struct EtcdHarness {
    etcd: Arc<EtcdCluster>,
    ttl: Option<Duration>,
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
        self.ttl.unwrap_or(Duration::from_secs(2))
    }

    fn scope_prefix(&self) -> String {
        format!("pg-ha-conformance-{}", self.ttl().as_secs())
    }

    fn expiry_slack(&self) -> Duration {
        // The lessor checks expiry every 500 ms; leave room for a slow machine.
        Duration::from_millis(1500)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_suite_passes() {
    let harness = EtcdHarness {
        etcd: Arc::new(EtcdCluster::start().await),
        ttl: None,
    };
    run_all(&harness).await;
}

/// The leader key outlives the write fence (acquire and renewal sent + ttl minus the safety
/// margin), at ttl 10 and 30, on one etcd.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leader_key_outlives_the_fence_at_ttl_10_and_30() {
    let etcd = Arc::new(EtcdCluster::start().await);
    let at = |ttl: u64| {
        let etcd = Arc::clone(&etcd);
        async move {
            let harness = EtcdHarness {
                etcd,
                ttl: Some(Duration::from_secs(ttl)),
            };
            lease_outlives_the_fence(&harness).await;
        }
    };
    tokio::join!(at(10), at(30));
}
