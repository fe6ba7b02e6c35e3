//! `Decision`: what `decide` returns.

use super::{Action, Reason};
use crate::time::Mono;

/// The outcome of one `decide` call.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Actions to execute in order; the runner stops at the first that fails.
    pub actions: Vec<Action>,
    /// Why.
    pub reason: Reason,
    /// When `decide` wants to run again at the latest (e.g. the lease deadline, a scheduled
    /// switchover); the runner also wakes at loop_wait and on events.
    pub wake_at: Option<Mono>,
}

impl Decision {
    /// A decision with no actions.
    pub fn idle(reason: Reason) -> Decision {
        Decision {
            actions: Vec::new(),
            reason,
            wake_at: None,
        }
    }

    /// A decision with these actions.
    pub fn act(reason: Reason, actions: Vec<Action>) -> Decision {
        Decision {
            actions,
            reason,
            wake_at: None,
        }
    }

    /// The same decision, asking to be woken at `at` (the earlier of two requests wins).
    pub fn wake(mut self, at: Mono) -> Decision {
        self.wake_at = Some(self.wake_at.map_or(at, |w| w.min(at)));
        self
    }
}
