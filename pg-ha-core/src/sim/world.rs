//! `World`: the discrete-event loop. It owns the nodes' runners, the DCS store, the client
//! ledger and the event queue; after every event it checks every invariant.

use super::chaos::{self, Fault};
use super::clock::{GlobalClock, Micros, NodeClock};
use super::config::SimConfig;
use super::event::{Event, EventQueue};
use super::executor::block_on;
use super::faults::NodeFaults;
use super::invariants::promotion_lag::{self, Promotion};
use super::invariants::{
    acked_commits, failsafe_available, history_matches, liveness, single_writer, steady, stranded,
    timeline, timeline_branches, writer_holds_key, Violation,
};
use super::log::EventLog;
use super::node::{node_config, Acquisition, SimNode, SCOPE};
use super::outcome::{Outcome, Stats};
use super::replication::replicate;
use super::rng::SimRng;
use super::state::{AgentState, Happening, Shared, SimState};
use crate::config::SyncMode;
use crate::dcs::{Dcs, MemoryDcs, MemoryStore};
use crate::model::Cluster;
use std::sync::Arc;
use std::time::Duration;

/// Bytes a standby can receive per tick (the network's bandwidth).
const CHUNK: u64 = 512 * 1024;

/// The simulated cluster and its event loop.
pub struct World {
    pub(super) cfg: SimConfig,
    pub(super) shared: Shared,
    pub(super) clock: Arc<GlobalClock>,
    pub(super) store: MemoryStore,
    pub(super) admin: MemoryDcs,
    pub(super) nodes: Vec<SimNode>,
    pub(super) queue: EventQueue,
    pub(super) log: EventLog,
    pub(super) ledger: super::client::Ledger,
    pub(super) highest_timeline: Vec<u32>,
    /// The branch each timeline number was first seen on.
    pub(super) timeline_branches: std::collections::BTreeMap<u32, u64>,
    /// The switches of timeline and the timeline numbers seen so far.
    pub(super) seen: history_matches::Seen,
    pub(super) violation: Option<Violation>,
    pub(super) stats: Stats,
    pub(super) seen_revision: u64,
    pub(super) cluster: Option<Cluster>,
    /// The snapshot (member keys left out) `cluster` was parsed from.
    cluster_snapshot: Option<crate::model::Snapshot>,
    /// A DCS outage under failsafe_mode being watched ([`failsafe_available`]).
    outage: Option<failsafe_available::Watch>,
    pub(super) leader: Option<String>,
    /// The operator's synchronous_mode, as last read from the `config` key.
    pub(super) sync_on: bool,
    /// The `sync` key's leader, as last read.
    pub(super) sync_key_leader: Option<String>,
    /// The `status` key's optime as last read, and the branch its writer (the leader key's
    /// holder then) was really on: ground truth for the lag invariant.
    pub(super) optime_branch: Option<(u64, u64)>,
    /// Every promotion so far: the branch it left and where (ground truth for the lag
    /// invariant: WAL of that branch past the point is abandoned).
    forks: Vec<(u64, u64)>,
    pub(super) step_pre: Option<(usize, Option<Cluster>)>,
    pub(super) healed_at: Option<Micros>,
    /// The primary found at the liveness deadline ([`steady`]).
    settled: Option<steady::Settled>,
    pub(super) finished: bool,
}

/// The branch a just-promoted WAL left and where: its previous segment's branch and the
/// start of its last one.
fn fork_of(wal: &super::wal::Wal) -> Option<(u64, u64)> {
    let [.., parent, last] = wal.segments() else {
        return None;
    };
    Some((parent.branch, last.start))
}

fn micros(d: Duration) -> Micros {
    d.as_micros() as Micros
}

impl World {
    /// A cluster of `cfg.nodes` fresh nodes (empty data directories, agents starting within
    /// one loop_wait). `rng` is the run's RNG; `log` receives the event log.
    pub fn new(cfg: SimConfig, rng: SimRng, log: EventLog) -> World {
        let clock = Arc::new(GlobalClock::new());
        let names: Vec<String> = (0..cfg.nodes).map(|i| node_config(i).name).collect();
        let mut state = SimState::new(Arc::clone(&clock), rng, &names);
        for i in 0..state.nodes.len() {
            let offset = state.rng.range(0, 1_000_000_000);
            let drift = state.rng.range(0, 2 * NodeClock::MAX_DRIFT_PPM as u64 + 1) as i64
                - NodeClock::MAX_DRIFT_PPM;
            let wall_error = state.rng.range(0, 201) as i64 - 100;
            state.nodes[i].clock = NodeClock::new(Arc::clone(&clock), offset, drift, wall_error);
            state.nodes[i].tags = cfg.tags.get(i).cloned().unwrap_or_default();
        }
        state.dcs_history =
            super::watch_view::DcsHistory::new(cfg.watch_delay.as_micros() as Micros);
        state.pg_latency = cfg.space != super::Space::Classic;
        state.query_latency = cfg.space == super::Space::Short;
        let shared = Shared::new(state);
        let store = MemoryStore::new(clock.clone());
        store.set_expiry(cfg.dcs_expiry);
        if cfg.skip_fresh_keep_alives {
            store.skip_fresh_keep_alives();
        }
        let admin = store.client(SCOPE, "sim-admin");
        let mut world = World {
            highest_timeline: vec![0; cfg.nodes],
            timeline_branches: std::collections::BTreeMap::new(),
            seen: history_matches::Seen::default(),
            nodes: (0..cfg.nodes)
                .map(|i| {
                    let mut node = node_config(i);
                    node.tags = cfg.tags.get(i).cloned().unwrap_or_default();
                    SimNode::new(node)
                })
                .collect(),
            cfg,
            shared,
            clock,
            store,
            admin,
            queue: EventQueue::new(),
            log,
            ledger: super::client::Ledger::new(),
            violation: None,
            stats: Stats::default(),
            seen_revision: u64::MAX,
            cluster: None,
            cluster_snapshot: None,
            outage: None,
            leader: None,
            sync_on: false,
            sync_key_leader: None,
            optime_branch: None,
            forks: Vec::new(),
            step_pre: None,
            healed_at: None,
            settled: None,
            finished: false,
        };
        let loop_wait = micros(world.cfg.dynamic.loop_wait);
        for i in 0..world.cfg.nodes {
            let delay = world.random(0, loop_wait);
            world.queue.push(
                delay,
                Event::Restart {
                    node: i,
                    crashes: 0,
                },
            );
        }
        world.queue.push(micros(world.cfg.tick), Event::Tick);
        world
            .queue
            .push(micros(world.cfg.warmup) / 2, Event::EditConfig);
        world
    }

    /// Runs the whole scenario of the config: warmup, chaos (random faults), heal, settle.
    pub fn run(mut self) -> Outcome {
        if self.cfg.random_faults {
            self.queue.push(micros(self.cfg.warmup), Event::Fault);
        }
        self.queue.push(micros(self.cfg.heal_at()), Event::Heal);
        self.run_events(Micros::MAX);
        self.outcome()
    }

    /// Processes every event up to global time `until` (for scripted scenarios).
    pub fn run_until(&mut self, until: Duration) {
        self.run_events(micros(until));
        if !self.finished {
            self.clock.advance_to(micros(until));
        }
    }

    /// Starts the heal phase now and runs to the end of the settle period.
    pub fn heal_and_finish(mut self) -> Outcome {
        let now = self.now();
        self.queue.push(now, Event::Heal);
        self.run_events(Micros::MAX);
        self.outcome()
    }

    /// The current global time.
    pub fn now(&self) -> Micros {
        self.clock.micros()
    }

    /// The first violation so far.
    pub fn violation(&self) -> Option<&Violation> {
        self.violation.as_ref()
    }

    /// The node accepting writes now, if exactly one does.
    pub fn writable(&self) -> Vec<usize> {
        let state = self.shared.lock();
        let now = state.now();
        (0..self.cfg.nodes)
            .filter(|i| state.accepts_writes_at(*i, now))
            .collect()
    }

    /// The holder of the leader key, as the DCS says now.
    pub fn leader(&self) -> Option<String> {
        self.read_cluster()
            .and_then(|c| c.leader_name().map(str::to_string))
    }

    /// The index of the node named `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.config.name == name)
    }

    /// Node `i`'s WAL, if it has a data directory.
    pub fn wal_of(&self, i: usize) -> Option<super::wal::Wal> {
        self.shared.lock().nodes[i]
            .pg
            .data
            .as_ref()
            .map(|d| d.wal.clone())
    }

    /// The client ledger.
    pub fn ledger(&self) -> &super::client::Ledger {
        &self.ledger
    }

    /// The run's counters so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Injects `fault` now.
    pub fn inject(&mut self, fault: Fault) {
        self.apply(fault);
        self.after_event(self.now());
    }

    fn run_events(&mut self, until: Micros) {
        while !self.finished {
            match self.queue.peek_time() {
                Some(at) if at <= until => {}
                _ => return,
            }
            let Some((at, event)) = self.queue.pop() else {
                return;
            };
            self.clock.advance_to(at);
            let started = self.now();
            self.stats.events += 1;
            self.handle(event);
            self.after_event(started);
        }
    }

    fn handle(&mut self, event: Event) {
        let now = self.now();
        self.enforce_fences(now);
        for node in &mut self.shared.lock().nodes {
            node.pg.pick_up_reload(now);
        }
        match event {
            Event::Step { node, generation } => {
                if self.nodes[node].generation == generation {
                    self.nodes[node].next_step = None;
                    self.step(node);
                }
            }
            Event::Resume { node, flight } => {
                if self.nodes[node]
                    .in_flight
                    .as_ref()
                    .is_some_and(|f| f.id == flight)
                {
                    self.resume(node);
                }
            }
            Event::Tick => {
                self.tick();
                self.queue.push(now + micros(self.cfg.tick), Event::Tick);
            }
            Event::Fault => {
                let heal_at = micros(self.cfg.heal_at());
                if now < heal_at && self.healed_at.is_none() {
                    let primary = self.writable().first().copied();
                    let fault = self.with_rng(|rng, cfg| chaos::pick(rng, cfg, primary));
                    self.apply(fault);
                    let gap = self.with_rng(chaos::gap);
                    self.queue.push(now + micros(gap), Event::Fault);
                }
            }
            Event::EditConfig => self.edit_config(),
            Event::Unfreeze(i) => self.unfreeze(i),
            Event::Restart { node, crashes } => {
                if self.nodes[node].crashes == crashes {
                    self.restart_agent(node);
                }
            }
            Event::Heal => self.heal(),
            Event::LivenessDeadline => {
                let result = liveness::writable_primary(&self.shared.lock());
                // A switchover or failover still requested may move the primary later.
                let requested = self
                    .current_cluster()
                    .is_some_and(|c| c.failover_request().is_some());
                match result {
                    Ok(primary) if !requested => {
                        self.settled = Some(steady::Settled {
                            primary,
                            since: now,
                        })
                    }
                    Ok(_) => {}
                    Err(v) if !self.stranded() => self.fail(v),
                    Err(_) => {}
                }
            }
            Event::End => {
                self.final_check();
                self.finished = true;
            }
        }
    }

    /// The fence guards fire: a primary whose fence deadline has passed is killed, and its
    /// agent finds it crashed.
    fn enforce_fences(&mut self, now: Micros) {
        let killed = super::fence_guard::enforce(&mut self.shared.lock(), now);
        for i in killed {
            let name = &self.nodes[i].config.name;
            self.log
                .note(now, || format!("{name}: the fence guard killed PostgreSQL"));
        }
    }

    pub(super) fn with_rng<R>(&self, f: impl FnOnce(&mut SimRng, &SimConfig) -> R) -> R {
        let mut state = self.shared.lock();
        f(&mut state.rng, &self.cfg)
    }

    pub(super) fn random(&self, lo: u64, hi: u64) -> u64 {
        self.shared.lock().rng.range(lo, hi)
    }

    fn tick(&mut self) {
        let mut state = self.shared.lock();
        replicate(&mut state, CHUNK);
        let now = state.now();
        for i in 0..state.nodes.len() {
            if state.accepts_writes_at(i, now) {
                let bytes = state.rng.range(200, 16_000);
                self.ledger.write(&mut state, i, bytes);
            }
        }
        self.ledger
            .settle(&state, self.sync_on, self.sync_key_leader.as_deref());
        self.stats.writes = self.ledger.attempted;
        self.stats.acknowledged = self.ledger.acknowledged;
        self.stats.guaranteed = self.ledger.guaranteed_count;
    }

    fn heal(&mut self) {
        let now = self.now();
        if self.healed_at.is_some() {
            return;
        }
        self.healed_at = Some(now);
        self.log
            .note(now, || "HEAL: every fault removed".to_string());
        let mut unfreeze = Vec::new();
        let mut restart = Vec::new();
        {
            let mut state = self.shared.lock();
            for (i, node) in state.nodes.iter_mut().enumerate() {
                node.faults = NodeFaults::default();
                match node.agent {
                    AgentState::Frozen { .. } => unfreeze.push(i),
                    AgentState::Down if !node.lost => restart.push(i),
                    AgentState::Down | AgentState::Running => {}
                }
            }
        }
        for i in unfreeze {
            self.shared.lock().nodes[i].agent = AgentState::Frozen { until: now };
            self.unfreeze(i);
        }
        for i in restart {
            self.restart_agent(i);
        }
        self.queue.push(
            now + micros(self.cfg.liveness_bound()),
            Event::LivenessDeadline,
        );
        self.queue.push(now + micros(self.cfg.settle), Event::End);
    }

    fn final_check(&mut self) {
        let state = self.shared.lock();
        let pg = &self.cfg.dynamic.postgresql;
        let rejoin = liveness::Rejoin {
            diverged: pg.use_pg_rewind || pg.remove_data_directory_on_diverged_timelines,
            after_failed_rewind: pg.remove_data_directory_on_rewind_failure
                || pg.remove_data_directory_on_diverged_timelines,
        };
        let result =
            liveness::writable_primary(&state).map(|p| liveness::replicating(&state, p, rejoin));
        drop(state);
        if result.is_err() && self.stranded() {
            return;
        }
        match result {
            Err(v) | Ok(Some(v)) => self.fail(v),
            Ok(None) => {}
        }
    }

    /// Starts watching a DCS outage that just began, if failsafe_mode must ride it out
    /// ([`failsafe_available::start`]).
    pub(super) fn watch_outage(&mut self) {
        let cluster = self.current_cluster();
        let now = self.now();
        self.outage = failsafe_available::start(&self.shared.lock(), cluster.as_ref(), now);
        if let Some(watch) = self.outage {
            let name = self.nodes[watch.primary].config.name.clone();
            self.log.note(now, || {
                format!("failsafe watch: {name} must stay writable through the outage")
            });
            self.stats.failsafe_outages += 1;
        }
    }

    fn check_outage(&mut self) {
        let Some(watch) = self.outage else {
            return;
        };
        let now = self.now();
        let verdict = failsafe_available::check(&self.shared.lock(), watch, now);
        match verdict {
            Ok(true) => {}
            Ok(false) => self.outage = None,
            Err(v) => {
                self.outage = None;
                self.fail(v);
            }
        }
    }

    /// Whether a lost machine left the survivors no candidate by Patroni's rules
    /// ([`stranded`]); logged and counted when so.
    fn stranded(&mut self) -> bool {
        let cluster = self.current_cluster();
        let why = stranded::reason(
            &self.shared.lock(),
            cluster.as_ref(),
            &self.cfg.dynamic,
            &self.cfg.tags,
        );
        let Some(why) = why else {
            return false;
        };
        self.log
            .note(self.now(), || format!("no candidate may lead: {why}"));
        self.stats.stranded = 1;
        true
    }

    pub(super) fn fail(&mut self, v: Violation) {
        self.log.note(v.at, || format!("VIOLATION {v}"));
        if self.violation.is_none() {
            self.violation = Some(v);
        }
        self.finished = true;
    }

    /// Checks every invariant after an event that started at `started`.
    fn after_event(&mut self, started: Micros) {
        let journal = std::mem::take(&mut self.shared.lock().journal);
        for happening in journal {
            self.on_happening(happening, started);
        }
        let checks = {
            let state = self.shared.lock();
            let now = state.now();
            history_matches::record(&state, &mut self.seen);
            single_writer::check(&state, now)
                .or_else(|| timeline::check(&state, &mut self.highest_timeline))
                .or_else(|| timeline_branches::check(&state, &mut self.timeline_branches))
                .or_else(|| acked_commits::check(&state, self.ledger.guaranteed()))
                .or_else(|| steady::check(&state, self.settled))
        };
        if let Some(v) = checks {
            self.fail(v);
        }
        self.check_outage();
        self.watch_dcs();
        if let Some(v) = self.check_writer_holds_key() {
            self.fail(v);
        }
        let now = self.now();
        if let Some(history) = self.cluster.as_ref().map(|c| &c.history) {
            let violation = history_matches::check(history, &self.seen, now);
            history_matches::record_announced(history, &mut self.seen);
            if let Some(v) = violation {
                self.fail(v);
            }
        }
    }

    fn on_happening(&mut self, happening: Happening, started: Micros) {
        let Happening::BecamePrimary {
            node,
            at,
            how,
            position_before,
        } = happening;
        let name = self.nodes[node].config.name.clone();
        let wal = self.shared.lock().nodes[node]
            .pg
            .wal()
            .map(liveness::describe_wal)
            .unwrap_or_default();
        self.log.note(at, || {
            format!("{name}: PostgreSQL accepts writes ({how}, position before {position_before}; WAL {wal})")
        });
        let check_at = at.max(started);
        let v = single_writer::check(&self.shared.lock(), check_at)
            .or_else(|| steady::check_new_primary(self.settled, &name, how, at));
        if let Some(v) = v {
            self.fail(v);
            return;
        }
        if how != "promote" {
            return;
        }
        self.stats.promotions += 1;
        let acquisition = self.nodes[node].acquisition.clone().unwrap_or_else(|| {
            let pre = self
                .step_pre
                .as_ref()
                .filter(|(i, _)| *i == node)
                .and_then(|(_, c)| c.as_ref());
            Acquisition::from_cluster(pre, |o| self.branch_of_optime(o))
        });
        let max_lag = self.nodes[node]
            .dynamic
            .as_ref()
            .map_or(self.cfg.dynamic.maximum_lag_on_failover, |d| {
                d.maximum_lag_on_failover
            });
        let (optime, fork) = {
            let shared = self.shared.lock();
            let wal = shared.nodes[node].pg.wal();
            let optime = acquisition
                .optime
                .map(|optime| match (acquisition.optime_branch, wal) {
                    (Some(branch), Some(wal)) => {
                        promotion_lag::reachable(optime, branch, wal, &self.forks)
                    }
                    _ => optime,
                });
            (optime, wal.and_then(fork_of))
        };
        self.forks.extend(fork);
        let promotion = Promotion {
            node: name,
            at,
            position: position_before,
            optime,
            manual: acquisition.manual,
            max_lag,
            sync_protected: acquisition.sync_protected,
        };
        if let Some(v) = promotion_lag::check(&promotion) {
            self.fail(v);
        }
        if acquisition.sync_protected {
            self.stats.guarded_promotions += 1;
        } else {
            self.ledger.forgive();
        }
    }

    /// Reads the cluster-wide keys through the admin client (no faults). Member keys are
    /// left out: the world never needs them, and parsing them is most of a read's cost.
    pub(super) fn read_cluster(&self) -> Option<Cluster> {
        cluster_of(block_on(self.admin.read()).ok()?)
    }

    /// [`World::read_cluster`], keeping the snapshot for the nodes' cached reads, and
    /// parsing only the values that changed since `previous`.
    fn read_recording(&mut self, previous: Option<&Cluster>) -> Option<Cluster> {
        let mut snapshot = block_on(self.admin.read()).ok()?;
        let mut state = self.shared.lock();
        if state.dcs_history.delay > 0 && snapshot.revision > state.dcs_history.last_revision() {
            let now = state.now();
            state.dcs_history.record(now, snapshot.clone());
        }
        drop(state);
        without_members(&mut snapshot);
        let previous = self.cluster_snapshot.as_ref().zip(previous);
        let cluster = Cluster::from_snapshot_after(&snapshot, previous).0;
        self.cluster_snapshot = Some(snapshot);
        Some(cluster)
    }

    /// Every writer holds the leader key, as the DCS sees it now, unless its agent runs in
    /// pause or with failsafe_mode.
    fn check_writer_holds_key(&self) -> Option<Violation> {
        let exempt = |i: usize| {
            self.nodes[i]
                .dynamic
                .as_ref()
                .is_some_and(|d| d.pause || d.failsafe_mode)
        };
        writer_holds_key::check(&self.shared.lock(), self.leader.as_deref(), exempt)
    }

    /// The cluster as the DCS holds it now (re-read only when the store's revision moved).
    pub(super) fn current_cluster(&mut self) -> Option<Cluster> {
        let revision = self.store.revision();
        if revision != self.seen_revision || self.cluster.is_none() {
            self.watch_dcs();
        }
        self.cluster.clone()
    }

    /// Watches the DCS as the agents' watches do, with their filter
    /// ([`crate::decide::dcs_change_wakes`]): a relevant change (leader, failover request,
    /// config, sync state, initialize) wakes every agent after a short random delay. Also
    /// refreshes the synchronous guarantee the client sees.
    fn watch_dcs(&mut self) {
        let revision = self.store.revision();
        if revision == self.seen_revision {
            return;
        }
        self.seen_revision = revision;
        let before = self.cluster.take();
        self.cluster = self.read_recording(before.as_ref());
        let Some(cluster) = self.cluster.as_ref() else {
            return;
        };
        let wakes = before
            .as_ref()
            .is_none_or(|b| crate::decide::dcs_change_wakes(b, cluster));
        let now = self.now();
        let sync_on = cluster
            .config
            .as_ref()
            .is_some_and(|c| c.parsed.synchronous_mode != SyncMode::Off);
        if self.sync_on && !sync_on {
            // The operator turned synchronous replication off: nothing is promised any more.
            self.ledger.forgive();
        }
        self.sync_on = sync_on;
        self.sync_key_leader = cluster.sync_state().and_then(|s| s.value.leader.clone());
        let optime = cluster.status.optime;
        let writer = cluster.leader_name().map(str::to_string);
        let leader = cluster.leader_name().map(str::to_string);
        if leader != self.leader {
            self.stats.leader_changes += 1;
            let (old, new) = (self.leader.clone(), leader.clone());
            self.log
                .note(now, || format!("DCS: leader key {old:?} -> {new:?}"));
            self.leader = leader;
        }
        self.note_optime_branch(optime, writer.as_deref());
        if wakes {
            for i in 0..self.nodes.len() {
                // The watch that wakes the agent is the one that refreshes its cached read.
                let watch = self.cfg.watch_delay.as_micros() as u64;
                let delay = self.random(1_000, 50_000) + watch;
                self.wake(i, now + delay);
            }
        }
    }

    /// Records the branch a newly published optime is on: the branch of the server of the
    /// leader key's holder (who writes `status`). Unknown when no one holds the key.
    fn note_optime_branch(&mut self, optime: Option<u64>, writer: Option<&str>) {
        let Some(optime) = optime else {
            self.optime_branch = None;
            return;
        };
        if self.optime_branch.is_some_and(|(o, _)| o == optime) {
            return;
        }
        let index = writer.and_then(|w| self.nodes.iter().position(|n| n.config.name == w));
        let branch = index.and_then(|i| self.shared.lock().nodes[i].pg.wal().map(|w| w.branch()));
        self.optime_branch = branch.map(|b| (optime, b));
    }

    /// The branch of `optime`, when it is the one last recorded.
    pub(super) fn branch_of_optime(&self, optime: Option<u64>) -> Option<u64> {
        let (o, branch) = self.optime_branch?;
        (Some(o) == optime).then_some(branch)
    }

    fn outcome(mut self) -> Outcome {
        self.stats.skipped_keep_alives = self.store.skipped_keep_alives();
        let shape = shape(&self.cfg);
        Outcome {
            seed: self.cfg.seed,
            violation: self.violation,
            stats: self.stats,
            sim_time: self.clock.micros(),
            log: self.log.into_lines(),
            space: self.cfg.space,
            shape,
        }
    }
}

/// A one-line description of a run's configuration.
fn shape(cfg: &SimConfig) -> String {
    let d = &cfg.dynamic;
    let mut extras = Vec::new();
    if cfg.toggle_sync {
        extras.push("toggled".to_string());
    }
    if d.synchronous_mode != SyncMode::Off {
        if d.synchronous_mode_strict {
            extras.push("strict".into());
        }
        if d.synchronous_node_count > 1 {
            extras.push(format!(
                "synchronous_node_count {}",
                d.synchronous_node_count
            ));
        }
    }
    if d.failsafe_mode {
        extras.push("failsafe_mode".into());
    }
    if d.check_timeline {
        extras.push("check_timeline".into());
    }
    if !d.postgresql.use_pg_rewind {
        extras.push("use_pg_rewind off".into());
    }
    match cfg.dcs_expiry {
        crate::dcs::Expiry::Exact => {}
        crate::dcs::Expiry::Checked { .. } => extras.push("etcd expiry".into()),
        crate::dcs::Expiry::LowerBound => extras.push("consul expiry".into()),
    }
    if cfg.skip_fresh_keep_alives {
        extras.push("fresh keep-alives skipped".into());
    }
    for (i, tags) in cfg.tags.iter().enumerate() {
        if !tags.0.is_empty() {
            extras.push(format!("node{} tags {}", i + 1, serde_json::json!(tags.0)));
        }
    }
    let mut text = format!(
        "{} nodes, ttl {}s loop_wait {}s retry_timeout {}s, synchronous_mode {:?}",
        cfg.nodes,
        d.ttl.as_secs_f64(),
        d.loop_wait.as_secs_f64(),
        d.retry_timeout.as_secs_f64(),
        d.synchronous_mode,
    );
    for extra in extras {
        text.push_str(", ");
        text.push_str(&extra);
    }
    text
}

/// The cluster in `snapshot`, without the member keys.
fn cluster_of(mut snapshot: crate::model::Snapshot) -> Option<Cluster> {
    without_members(&mut snapshot);
    Some(Cluster::from_snapshot(&snapshot).0)
}

fn without_members(snapshot: &mut crate::model::Snapshot) {
    snapshot
        .entries
        .retain(|e| !e.key.starts_with(crate::model::MEMBERS_PREFIX));
}
