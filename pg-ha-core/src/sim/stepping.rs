//! The world's handling of agents: runner steps, wake-ups, agent restarts and unfreezing.

use super::clock::Micros;
use super::dcs::FaultyDcs;
use super::event::Event;
use super::executor::poll_once;
use super::node::{Acquisition, InFlight, SCOPE};
use super::peers::SimPeers;
use super::postgres::SimPostgres;
use super::state::{AgentState, RestView};
use super::world::World;
use crate::decide::Action;
use crate::runner::{Runner, StepReport};
use crate::time::Clock;
use std::sync::Arc;

/// The earliest a runner steps again after a step (the agent's loop needs some time).
const MIN_STEP_GAP: Micros = 1_000;

impl World {
    fn agent(&self, i: usize) -> AgentState {
        self.shared.lock().nodes[i].agent
    }

    /// Schedules node `i`'s next step at `at` unless one is already due earlier.
    pub(super) fn wake(&mut self, i: usize, at: Micros) {
        let node = &mut self.nodes[i];
        if node.next_step.is_some_and(|t| t <= at) {
            return;
        }
        node.generation += 1;
        node.next_step = Some(at);
        let generation = node.generation;
        self.queue.push(
            at,
            Event::Step {
                node: i,
                generation,
            },
        );
    }

    /// Starts one step of node `i`'s runner, if its agent runs and no step is under way.
    pub(super) fn step(&mut self, i: usize) {
        if self.agent(i) != AgentState::Running || self.nodes[i].in_flight.is_some() {
            return;
        }
        let pre = self.current_cluster();
        let notice = self.shared.lock().nodes[i].failsafe_notice.take();
        let Some(mut runner) = self.nodes[i].runner.take() else {
            return;
        };
        if let Some((leader, at)) = notice {
            runner.receive_failsafe(&leader, at);
        }
        let future = Box::pin(async move {
            let report = runner.step().await;
            (runner, report)
        });
        self.nodes[i].flights += 1;
        let id = self.nodes[i].flights;
        self.nodes[i].in_flight = Some(InFlight { id, future, pre });
        self.resume(i);
    }

    /// Polls node `i`'s step in flight: finishes it, or schedules the next poll at the
    /// simulated time it waits for (later while its agent is frozen; never once it crashed).
    pub(super) fn resume(&mut self, i: usize) {
        if self.agent(i) != AgentState::Running {
            // Frozen: the unfreeze resumes it; down: it died with its agent.
            return;
        }
        let Some(mut flight) = self.nodes[i].in_flight.take() else {
            return;
        };
        self.step_pre = Some((i, flight.pre.clone()));
        match poll_once(flight.future.as_mut()) {
            Ok((runner, report)) => {
                self.nodes[i].dynamic = Some(runner.dynamic().clone());
                self.nodes[i].runner = Some(runner);
                self.finish_step(i, flight.pre, &report);
            }
            Err(at) => {
                let flight_id = flight.id;
                self.nodes[i].in_flight = Some(flight);
                let resume = Event::Resume {
                    node: i,
                    flight: flight_id,
                };
                self.queue.push(at, resume);
            }
        }
    }

    /// After node `i`'s step: records what it did and schedules the next one.
    fn finish_step(&mut self, i: usize, pre: Option<crate::model::Cluster>, report: &StepReport) {
        let known_leader = self.nodes[i]
            .runner
            .as_ref()
            .and_then(|r| r.last_cluster())
            .and_then(|c| c.leader_name())
            .map(str::to_string);
        {
            let mut state = self.shared.lock();
            let node = &mut state.nodes[i];
            node.known_leader = known_leader;
            node.rest_view = Some(RestView::of(&node.pg));
        }
        self.stats.steps += 1;
        let now = self.now();
        self.log_step(i, report);
        // Ground truth, not the agent's report: an acquire whose reply was lost still took
        // the key.
        let name = &self.nodes[i].config.name;
        let held_before = pre.as_ref().is_some_and(|c| c.is_leader(name));
        let tried = report
            .executed
            .iter()
            .any(|o| o.action == Action::AcquireLeader);
        let name = name.clone();
        let acquired =
            tried && !held_before && self.current_cluster().is_some_and(|c| c.is_leader(&name));
        if acquired {
            let acquisition = Acquisition::from_cluster(pre.as_ref(), |o| self.branch_of_optime(o));
            self.nodes[i].acquisition = Some(acquisition);
        }
        self.step_pre = Some((i, pre));
        let next = self.shared.lock().nodes[i]
            .clock
            .global_for(report.next_wake)
            .max(now + MIN_STEP_GAP);
        self.wake(i, next);
    }

    fn log_step(&mut self, i: usize, report: &StepReport) {
        if !self.log.enabled() {
            return;
        }
        let name = self.nodes[i].config.name.clone();
        let actions: Vec<String> = report
            .executed
            .iter()
            .map(|o| match &o.result {
                Ok(()) => format!("{:?} ok", o.action),
                Err(e) => format!("{:?} FAILED: {e}", o.action),
            })
            .collect();
        let skipped = report.decision.actions.len() - report.executed.len();
        let now = self.now();
        self.log.note(now, || {
            let mut line = format!("{name}: step: {}", report.decision.reason);
            if !actions.is_empty() {
                line.push_str(&format!(" | {}", actions.join("; ")));
            }
            if skipped > 0 {
                line.push_str(&format!(" | {skipped} not run"));
            }
            line
        });
    }

    /// Starts a fresh agent on node `i` (first start, or after a node crash).
    pub(super) fn restart_agent(&mut self, i: usize) {
        if self.agent(i) != AgentState::Down {
            return;
        }
        let config = self.nodes[i].config.clone();
        let client = self.store.client(SCOPE, &config.name);
        let dcs = Arc::new(FaultyDcs::new(client, i, self.shared.clone()));
        let pg = Arc::new(SimPostgres::new(i, self.shared.clone()));
        let peers = Arc::new(SimPeers::new(i, self.shared.clone()));
        let clock: Arc<dyn Clock> = {
            let mut state = self.shared.lock();
            state.nodes[i].agent = AgentState::Running;
            state.nodes[i].rest_view = None;
            Arc::new(state.nodes[i].clock.clone())
        };
        let runner = Runner::new(config, self.cfg.dynamic.clone(), dcs, pg, peers, clock);
        self.nodes[i].runner = Some(runner);
        self.nodes[i].dynamic = Some(self.cfg.dynamic.clone());
        self.nodes[i].acquisition = None;
        let now = self.now();
        let name = self.nodes[i].config.name.clone();
        self.log.note(now, || format!("{name}: agent starts"));
        let delay = self.random(1_000, 200_000);
        self.wake(i, now + delay);
    }

    /// Resumes node `i`'s frozen agent if its freeze is over.
    pub(super) fn unfreeze(&mut self, i: usize) {
        let now = self.now();
        {
            let mut state = self.shared.lock();
            match state.nodes[i].agent {
                AgentState::Frozen { until } if until <= now => {
                    state.nodes[i].agent = AgentState::Running;
                }
                _ => return,
            }
        }
        let name = self.nodes[i].config.name.clone();
        self.log.note(now, || format!("{name}: agent resumes"));
        self.nodes[i].next_step = None;
        if self.nodes[i].in_flight.is_some() {
            // It froze in the middle of a step: that step goes on.
            self.resume(i);
        } else {
            self.wake(i, now);
        }
    }
}
