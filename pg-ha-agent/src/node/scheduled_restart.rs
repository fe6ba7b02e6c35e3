//! Scheduled restarts (`POST /restart` with `schedule`): one at a time, run by a timer task
//! at the set time if the restart's filters still hold, and published in the member key as
//! Patroni does.

use crate::agent::Command;
use crate::rest::{NodeView, ScheduledRestart};
use pg_ha_core::time::Clock;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// The node's one scheduled restart, if any.
#[derive(Clone)]
pub(super) struct RestartSchedule {
    slot: Arc<Mutex<Option<Pending>>>,
    commands: mpsc::UnboundedSender<Command>,
    state: watch::Receiver<Arc<NodeView>>,
    clock: Arc<dyn Clock>,
}

struct Pending {
    timer: JoinHandle<()>,
}

impl RestartSchedule {
    /// A schedule sending its restarts to the loop through `commands`, checking filters
    /// against the loop's published `state`.
    pub(super) fn new(
        commands: mpsc::UnboundedSender<Command>,
        state: watch::Receiver<Arc<NodeView>>,
        clock: Arc<dyn Clock>,
    ) -> RestartSchedule {
        RestartSchedule {
            slot: Arc::default(),
            commands,
            state,
            clock,
        }
    }

    /// Schedules `restart`; `false` when another one is already scheduled.
    pub(super) fn add(&self, restart: ScheduledRestart) -> bool {
        let Ok(mut slot) = self.slot.lock() else {
            return false;
        };
        if slot.is_some() {
            return false;
        }
        let _ = self
            .commands
            .send(Command::ScheduledRestart(Some(restart.to_json())));
        let timer = tokio::spawn(self.clone().fire_at(restart));
        *slot = Some(Pending { timer });
        true
    }

    /// Drops the scheduled restart; `false` when none was scheduled.
    pub(super) fn cancel(&self) -> bool {
        let Some(pending) = self.slot.lock().ok().and_then(|mut s| s.take()) else {
            return false;
        };
        pending.timer.abort();
        let _ = self.commands.send(Command::ScheduledRestart(None));
        true
    }

    async fn fire_at(self, restart: ScheduledRestart) {
        let wait_ms = restart.schedule.timestamp_millis() - self.clock.wall();
        tokio::time::sleep(Duration::from_millis(wait_ms.max(0).unsigned_abs())).await;
        if let Ok(mut slot) = self.slot.lock() {
            slot.take();
        }
        let view = Arc::clone(&self.state.borrow());
        if restart.conditions_hold(&view, self.clock.now()) {
            tracing::info!("running the restart scheduled for {}", restart.schedule);
            let _ = self.commands.send(Command::Restart { done: None });
        } else {
            tracing::info!("scheduled restart skipped: its conditions do not hold any more");
        }
        let _ = self.commands.send(Command::ScheduledRestart(None));
    }
}
