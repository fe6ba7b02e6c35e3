//! The write fence: after the deadline the local primary must stop accepting writes even if
//! the agent is frozen (SIGSTOP) or killed. A guard process (`pg-ha-fence`) holds the deadline
//! and SIGKILLs the postmaster when it passes (asking it for a fast shutdown a moment before,
//! the clean stop the agent would have made); the agent extends it after every lease renewal.

pub mod client;
pub mod guard;
pub mod lease_file;
pub mod protocol;
pub mod registry;

pub use client::{FenceClient, SAFETY};
pub use guard::{run_guard, DataDirTarget, FenceTarget, FireOutcome, GuardEvent};
pub use lease_file::LeaseFile;
pub use protocol::FenceCommand;
