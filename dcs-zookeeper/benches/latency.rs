//! Latency of the ZooKeeper backend against a loopback ZooKeeper 3.8 started for the run:
//! median (and p90) of acquire, release, renew, a full cluster read and a member touch
//! ([`pg_ha_core::testing::bench::latency_suite`]).
//!
//! Run with `cargo bench -p dcs-zookeeper --bench latency` (optionally `-- <iterations>`).

#[path = "../tests/support/mod.rs"]
mod support;

use pg_ha_core::testing::bench;
use support::ZkServer;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n = bench::iterations();
    let zk = ZkServer::start().await;
    println!("ZooKeeper backend latency against loopback ZooKeeper 3.8 ({n} iterations each)");
    bench::latency_suite(n, || zk.client("/bench", "bench", bench::TTL)).await;
}
