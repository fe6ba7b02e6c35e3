//! The world's application of faults.

use super::chaos::Fault;
use super::clock::Micros;
use super::config::Space;
use super::event::Event;
use super::executor::block_on;
use super::state::AgentState;
use super::world::World;
use crate::config::SyncMode;
use crate::dcs::Dcs;
use crate::model::{Condition, Failover, Key};
use crate::time::Clock;
use std::time::Duration;

fn until(now: Micros, d: Duration) -> Option<Micros> {
    Some(now + d.as_micros() as Micros)
}

impl World {
    /// Applies `fault` now and logs it.
    pub(super) fn apply(&mut self, fault: Fault) {
        let now = self.now();
        self.stats.faults += 1;
        *self.stats.faults_by_kind.entry(fault.kind()).or_default() += 1;
        let text = format!("FAULT {fault:?}");
        self.log.note(now, || text);
        match fault {
            Fault::CrashNode { node, down_for } => self.crash_node(node, down_for),
            Fault::CrashPostgres { node } => self.crash_postgres(node),
            Fault::Freeze {
                node,
                duration,
                whole,
            } => self.freeze(node, duration, whole),
            Fault::CutDcs {
                node,
                duration,
                hang,
            } => {
                let mut state = self.shared.lock();
                let f = &mut state.nodes[node].faults;
                f.dcs_cut_until = f.dcs_cut_until.max(until(now, duration));
                f.dcs_hang = hang;
            }
            Fault::DcsOutage { duration, hang } => {
                {
                    let mut state = self.shared.lock();
                    for node in &mut state.nodes {
                        let f = &mut node.faults;
                        f.dcs_cut_until = f.dcs_cut_until.max(until(now, duration));
                        f.dcs_hang = hang;
                    }
                }
                self.watch_outage();
            }
            Fault::Isolate { node, duration } => {
                let mut state = self.shared.lock();
                let f = &mut state.nodes[node].faults;
                f.isolated_until = f.isolated_until.max(until(now, duration));
            }
            Fault::SlowDcs {
                node,
                duration,
                max,
            } => {
                let mut state = self.shared.lock();
                let f = &mut state.nodes[node].faults;
                f.slow_until = f.slow_until.max(until(now, duration));
                f.slow_max = max;
            }
            Fault::LoseReplies {
                node,
                duration,
                probability,
            } => {
                let mut state = self.shared.lock();
                let f = &mut state.nodes[node].faults;
                f.lost_until = f.lost_until.max(until(now, duration));
                f.lost_probability = probability;
            }
            Fault::StallReplication { node, duration } => {
                let mut state = self.shared.lock();
                let f = &mut state.nodes[node].faults;
                f.replication_stall_until = f.replication_stall_until.max(until(now, duration));
            }
            Fault::Switchover { candidate } => self.request_switchover(candidate),
            Fault::ToggleSync => self.toggle_sync(),
            Fault::SetConfig { key, value } => self.set_config(key, serde_json::Value::Bool(value)),
        }
    }

    fn crash_node(&mut self, i: usize, down_for: Option<Duration>) {
        let now = self.now();
        {
            let mut state = self.shared.lock();
            let node = &mut state.nodes[i];
            if node.agent == AgentState::Down {
                return;
            }
            node.agent = AgentState::Down;
            node.pg.crash();
            node.pg.fence = None;
        }
        if down_for.is_none() && self.may_lose(i) {
            self.shared.lock().nodes[i].lost = true;
            self.stats.lost_machines += 1;
            let name = self.nodes[i].config.name.clone();
            self.log.note(now, || format!("{name}: lost for good"));
        }
        self.nodes[i].runner = None;
        self.nodes[i].in_flight = None;
        self.nodes[i].next_step = None;
        self.nodes[i].generation += 1;
        self.nodes[i].crashes += 1;
        if let Some(d) = down_for {
            let crashes = self.nodes[i].crashes;
            let restart = Event::Restart { node: i, crashes };
            self.queue.push(now + d.as_micros() as Micros, restart);
        }
    }

    /// Whether a node that crashes without a restart date is lost for good ([`Space::Lossy`]):
    /// in half of the asynchronous runs (by seed, no extra draw), while two other nodes
    /// remain. Then the others must go on without it (in synchronous mode a lost sync standby
    /// may rightly block promotions, so it comes back at the heal there).
    fn may_lose(&self, i: usize) -> bool {
        let state = self.shared.lock();
        let remaining = state.nodes.iter().filter(|n| !n.lost).count();
        self.cfg.space == Space::Lossy
            && self.cfg.seed.is_multiple_of(2)
            && self.cfg.dynamic.synchronous_mode == SyncMode::Off
            && !self.cfg.toggle_sync
            && !state.nodes[i].lost
            && remaining >= 3
    }

    fn crash_postgres(&mut self, i: usize) {
        let now = self.now();
        let running = {
            let mut state = self.shared.lock();
            let pg = &mut state.nodes[i].pg;
            let running = pg.running();
            pg.crash();
            running
        };
        if running {
            let delay = self.random(1_000, 100_000);
            self.wake(i, now + delay);
        }
    }

    fn freeze(&mut self, i: usize, duration: Duration, whole: bool) {
        let now = self.now();
        let end = now + duration.as_micros() as Micros;
        {
            let mut state = self.shared.lock();
            if state.nodes[i].agent != AgentState::Running {
                return;
            }
            state.nodes[i].agent = AgentState::Frozen { until: end };
            if whole {
                let f = &mut state.nodes[i].faults;
                f.isolated_until = f.isolated_until.max(Some(end));
                f.paused_until = f.paused_until.max(Some(end));
            }
        }
        self.queue.push(end, Event::Unfreeze(i));
    }

    fn request_switchover(&mut self, candidate: Option<usize>) {
        let now = self.now();
        let Some(leader) = self.leader() else {
            self.log
                .note(now, || "switchover refused: no leader".to_string());
            return;
        };
        let member = candidate
            .map(|c| self.nodes[c].config.name.clone())
            .filter(|c| *c != leader);
        let request = Failover {
            leader: Some(leader),
            member,
            scheduled_at: None,
        };
        let Ok(value) = serde_json::to_string(&request) else {
            return;
        };
        let written = block_on(self.admin.write(Key::Failover, &value, Condition::Any));
        self.log.note(now, || {
            format!("switchover requested: {value} ({written:?})")
        });
    }

    fn toggle_sync(&mut self) {
        let Some(entry) = self.read_cluster().and_then(|c| c.config) else {
            return;
        };
        let on = entry.parsed.synchronous_mode != SyncMode::Off;
        self.set_config("synchronous_mode", serde_json::Value::Bool(!on));
    }

    /// Sets one key of the `config` key (conditional on the version read).
    fn set_config(&mut self, key: &str, value: serde_json::Value) {
        let now = self.now();
        let Some(entry) = self.read_cluster().and_then(|c| c.config) else {
            return;
        };
        let mut raw = entry.raw.clone();
        let Some(obj) = raw.as_object_mut() else {
            return;
        };
        let shown = value.to_string();
        obj.insert(key.to_string(), value);
        let written = block_on(self.admin.write(
            Key::Config,
            &raw.to_string(),
            Condition::Version(entry.version),
        ));
        self.log
            .note(now, || format!("config: {key} -> {shown} ({written:?})"));
    }

    /// Writes the run's whole dynamic configuration into `config`.
    pub(super) fn edit_config(&mut self) {
        let now = self.now();
        let condition = match self.read_cluster().and_then(|c| c.config) {
            Some(entry) => Condition::Version(entry.version),
            None => Condition::Absent,
        };
        let value = super::config::config_json(&self.cfg.dynamic).to_string();
        let written = block_on(self.admin.write(Key::Config, &value, condition));
        self.log
            .note(now, || format!("config edited: {value} ({written:?})"));
    }

    /// The wall clock of the world (for logs).
    pub fn wall(&self) -> i64 {
        self.clock.wall()
    }
}
