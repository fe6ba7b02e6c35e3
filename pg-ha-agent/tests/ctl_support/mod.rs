//! Support for the `pg-ha-ctl` tests: a real etcd, Patroni's sample cluster written through
//! `dcs_etcd::EtcdDcs`, one real REST server per member, simulated agents, and a runner for
//! the binary.

#![allow(dead_code, unreachable_pub)]

pub mod agents;
pub mod cluster;
pub mod control;
pub mod etcd;

pub use cluster::{run_ctl, TestCluster, SCOPE, SYSID};
