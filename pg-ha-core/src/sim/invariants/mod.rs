//! The invariants checked after every event, one per file. Each check returns a
//! [`Violation`] instead of panicking, so a failing run can still print its log and replay
//! command.

pub mod acked_commits;
pub mod failsafe_available;
pub mod history_matches;
pub mod liveness;
pub mod promotion_lag;
pub mod single_writer;
pub mod steady;
pub mod stranded;
pub mod timeline;
pub mod timeline_branches;
pub mod writer_holds_key;

use super::clock::Micros;
use std::fmt;

/// A broken invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Which invariant.
    pub invariant: &'static str,
    /// Global time of the violation.
    pub at: Micros,
    /// What was seen.
    pub detail: String,
}

impl Violation {
    /// A violation of `invariant` at `at`.
    pub fn new(invariant: &'static str, at: Micros, detail: impl Into<String>) -> Violation {
        Violation {
            invariant,
            at,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{:.3}s] {}: {}",
            self.at as f64 / 1e6,
            self.invariant,
            self.detail
        )
    }
}
