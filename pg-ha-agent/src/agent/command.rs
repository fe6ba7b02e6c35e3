//! Commands sent to a running agent from REST handlers, ctl and signal handlers.

/// A command for the agent loop. Each wakes the loop at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Restart PostgreSQL in its current role.
    Restart,
    /// Wipe and re-clone this replica.
    Reinit {
        /// Clone from the leader even if a clonefrom member exists.
        from_leader: bool,
    },
    /// Re-read the configuration (SIGHUP, `POST /reload`).
    Reload,
    /// Stop PostgreSQL, release the leader key, and end the loop (SIGTERM / SIGINT).
    Shutdown,
    /// A primary vouched for itself through `POST /failsafe`.
    FailsafeNotice {
        /// Its member name.
        leader: String,
    },
    /// Run a cycle now (e.g. after a config PATCH).
    Wake,
}
