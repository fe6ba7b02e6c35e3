//! Commands sent to a running agent from REST handlers, ctl and signal handlers.

use pg_ha_core::decide::ScheduledRestart;
use tokio::sync::oneshot;

/// Where the loop reports how a requested restart ended (`Err` with the reason).
pub type RestartDone = oneshot::Sender<Result<(), String>>;

/// A command for the agent loop. Each wakes the loop at once.
#[derive(Debug)]
pub enum Command {
    /// Restart PostgreSQL in its current role; the loop answers on `done` when the restart
    /// was carried out (or refused).
    Restart {
        /// Told the outcome, if the sender waits for it.
        done: Option<RestartDone>,
    },
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
    /// Schedule a restart; the loop answers `false` when one is already scheduled.
    ScheduleRestart {
        /// The restart.
        restart: ScheduledRestart,
        /// Told whether it was scheduled.
        reply: oneshot::Sender<bool>,
    },
    /// Drop the scheduled restart; the loop answers `false` when none was scheduled.
    CancelScheduledRestart {
        /// Told whether one was dropped.
        reply: oneshot::Sender<bool>,
    },
    /// Run a cycle now (e.g. after a config PATCH).
    Wake,
}
