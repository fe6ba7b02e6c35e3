//! Latency of the etcd backend against a loopback etcd started for the run: median (and p90)
//! of acquire, release, renew, a full cluster read and a member touch
//! ([`pg_ha_core::testing::bench::latency_suite`]).
//!
//! Run with `cargo bench -p dcs-etcd --bench latency` (optionally `-- <iterations>`).

#[path = "../tests/support/mod.rs"]
mod support;

use pg_ha_core::testing::bench;
use support::EtcdCluster;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n = bench::iterations();
    let etcd = EtcdCluster::start().await;
    println!("etcd backend latency against loopback etcd ({n} iterations each)");
    bench::latency_suite(n, || etcd.client("bench")).await;
}
