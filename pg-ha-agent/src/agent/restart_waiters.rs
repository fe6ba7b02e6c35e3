//! Callers waiting for a requested restart (`POST /restart`, ctl) to be carried out.

use super::RestartDone;
use pg_ha_core::decide::Action;
use pg_ha_core::runner::StepReport;

/// The callers waiting for the pending restart request.
#[derive(Default)]
pub(super) struct RestartWaiters {
    waiting: Vec<RestartDone>,
}

impl RestartWaiters {
    /// Adds a caller (a request without one is fire-and-forget).
    pub(super) fn add(&mut self, done: Option<RestartDone>) {
        self.waiting.extend(done);
    }

    /// Answers the callers once a step carried out (or dropped) the restart request: the
    /// restart's own result, or the reason the request was cleared without a restart.
    pub(super) fn settle(&mut self, report: &StepReport) {
        if self.waiting.is_empty() {
            return;
        }
        let restart = report.executed.iter().find(|o| o.action == Action::Restart);
        let outcome = match restart {
            Some(o) => o.result.clone().map_err(|e| format!("restart failed: {e}")),
            None if cleared(report) => Err(format!(
                "restart not carried out: {}",
                report.decision.reason
            )),
            None => return,
        };
        for done in self.waiting.drain(..) {
            let _ = done.send(outcome.clone());
        }
    }

    /// Answers every caller with `reason`.
    pub(super) fn fail_all(&mut self, reason: &str) {
        for done in self.waiting.drain(..) {
            let _ = done.send(Err(reason.to_string()));
        }
    }
}

fn cleared(report: &StepReport) -> bool {
    report
        .executed
        .iter()
        .any(|o| o.action == Action::ClearRequest && o.result.is_ok())
}
