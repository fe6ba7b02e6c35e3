//! Latency of the Consul backend: median (and p90) of acquire, release, renew, a full cluster
//! read and a member touch ([`pg_ha_core::testing::bench::latency_suite`]), against the
//! in-repo emulator on loopback (or a real agent when `CONSUL_HTTP_ADDR` is set).
//!
//! Run with `cargo bench -p dcs-consul --bench latency` (optionally `-- <iterations>`).

#[path = "../tests/support/mod.rs"]
mod support;

use pg_ha_core::testing::bench;
use support::Target;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n = bench::iterations();
    let consul = Target::start().await;
    let which = match consul {
        Target::Emulated(_) => "the in-repo emulator",
        Target::Real(_) => "a real agent",
    };
    println!("Consul backend latency against {which} on loopback ({n} iterations each)");
    bench::latency_suite(n, || consul.client("/bench", "bench")).await;
}
