//! Test support exported for backend crates (feature `testing`): the Dcs conformance suite,
//! helpers for the backends' own real-server tests, and their latency bench.
//!
//! Every backend runs [`conformance::run_all`] against its real server, so backends cannot
//! drift apart. `MemoryDcs` runs it in plain `cargo test`.

pub mod bench;
pub mod conformance;
pub mod etcd_metrics;
pub mod memory_harness;
pub mod outage;
pub mod takeover;
