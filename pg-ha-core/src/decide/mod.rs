//! `decide`: the pure HA decision function. Observation in, Decision out: no tokio, no clock
//! read, no randomness, no IO.

mod action;
mod decision;
mod observation;
mod reason;

pub use action::Action;
pub use decision::Decision;
pub use observation::{DcsView, Facts, LocalRequest, Observation, PgView};
pub use reason::{Ineligible, Reason};

use crate::config::HaConfig;

/// Decides what this node does this cycle.
pub fn decide(obs: &Observation, cfg: &HaConfig) -> Decision {
    let _ = (obs, cfg);
    Decision::idle(Reason::PostgresUnknown)
}
