//! The agent loop: the tokio shell around [`pg_ha_core::Runner::step`].
//!
//! It steps the runner, publishes what it saw for the REST API (a [`crate::rest::NodeView`]),
//! and then sleeps until the earliest of: the decision's wake time / loop_wait, a relevant DCS
//! change (leader, failover, config, sync, initialize), a PostgreSQL exit, or a command (REST,
//! ctl, signal).

mod command;
mod event_loop;
mod pg_details;
mod phase_shift;
mod restart_waiters;
mod watch_dcs;

pub use command::{Command, RestartDone};
pub use event_loop::{run, AgentHandle, AgentParts, AgentRunner, Reloader};
