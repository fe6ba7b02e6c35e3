//! PostgreSQL control against real PostgreSQL 15 servers (Debian's postgresql-15), each in a
//! temp dir on a free loopback port, run as the `postgres` OS user and killed by PID when a
//! test ends.

mod bad_input;
mod common;
mod embedded_node;
mod fence;
mod fence_window;
mod lifecycle;
mod node_freeze;
mod primary_client;
mod replication;
mod replication_tls;
mod rewind;
mod status_details;
mod sync_slots;
mod taken_timelines;
