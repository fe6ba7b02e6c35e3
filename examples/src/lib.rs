//! Embedding examples for pg-ha: each is a program under `src/bin/` with a test under
//! `tests/` that runs it against real servers.
//!
//! - `discover`: primary discovery for applications ([`pg_ha_core::discovery`]); follows
//!   the cluster's primary and read replicas through the DCS watch and prints each change.

pub mod patroni_file;
