//! Embedding examples for pg-ha: each is a program under `src/bin/` with a test under
//! `tests/` that runs it against real servers.
//!
//! - `discover`: primary discovery for applications ([`pg_ha_core::discovery`]); follows
//!   the cluster's primary and read replicas through the DCS watch and prints each change.
//! - `what_would_ha_do`: `decide()` as a tool; one node's decision over a snapshot of
//!   Patroni's keys, with its reason.
//! - `counting_dcs`: a `Dcs` of your own (a layer that counts requests by kind), proved
//!   with the exported conformance suite in `tests/custom_dcs.rs`.
//! - `command_node`: a `Postgres` of your own ([`command_postgres`]): a node whose
//!   PostgreSQL runs elsewhere (a container, a VM), managed through commands and asked
//!   over SQL; `tests/command_node.rs` runs a two-node cluster of it on real servers.

pub mod command_postgres;
pub mod counting_dcs;
pub mod patroni_file;
pub mod snapshot_file;
pub mod what_if;
