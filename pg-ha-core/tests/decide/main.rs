#![allow(missing_docs)]
//! Table tests of decide(): one named situation per test, asserting the exact actions and the
//! reason.

mod support;

mod bootstrap;
mod dcs_outage;
mod election;
mod follower;
mod handover;
mod leader;
mod pause;
mod publication;
mod purity;
mod scheduled_restart;
mod server_config;
mod shutdown;
mod slots;
mod standby_cluster;
mod switchover;
mod sync;
mod sync_quorum;
