//! `SimState`: everything the simulated components share: the global clock, the one RNG,
//! every node's PostgreSQL, faults and agent state, and a journal of role changes for the
//! invariants. The `FaultyDcs`, `SimPostgres` and `SimPeers` of each node hold it behind a
//! mutex (the traits need `Send + Sync`; the simulator is single threaded, so it is never
//! contended).

use super::clock::{GlobalClock, Micros, NodeClock};
use super::faults::NodeFaults;
use super::pg_state::PgState;
use super::rng::SimRng;
use crate::model::Tags;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Whether a node's agent (the runner) runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentState {
    /// Stepping normally.
    Running,
    /// Stopped like SIGSTOP until the global time given; its PostgreSQL keeps running.
    Frozen {
        /// When it resumes.
        until: Micros,
    },
    /// Crashed (the whole node); restarts with a fresh runner.
    Down,
}

/// Something that happened inside a step that the invariants look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Happening {
    /// A node's PostgreSQL started accepting writes (promote, start as primary, bootstrap).
    BecamePrimary {
        /// The node.
        node: usize,
        /// Global time.
        at: Micros,
        /// How: `promote`, `start_primary`, `bootstrap`, `restart`.
        how: &'static str,
        /// Its WAL position just before.
        position_before: u64,
    },
}

/// One node's shared state.
#[derive(Debug)]
pub struct NodeState {
    /// The member name.
    pub name: String,
    /// Its local clock.
    pub clock: NodeClock,
    /// Its PostgreSQL.
    pub pg: PgState,
    /// Injected faults.
    pub faults: NodeFaults,
    /// Its agent.
    pub agent: AgentState,
    /// Its tags.
    pub tags: Tags,
    /// The last failsafe notice its REST API accepted, not yet handed to its agent: the
    /// leader's name and the node's local time of receipt.
    pub failsafe_notice: Option<(String, crate::time::Mono)>,
    /// The leader in its agent's last read of the DCS (what its REST API knows).
    pub known_leader: Option<String>,
    /// What its agent's REST API shows between cycles (see [`RestView`]); `None` before the
    /// first cycle.
    pub rest_view: Option<RestView>,
    /// The machine is gone for good (not even the heal brings it back).
    pub lost: bool,
}

/// The server as the agent's last cycle saw it, which its REST API serves until the next
/// cycle: the role and timeline (the positions are read live, as the real API does, while
/// the server still runs in that role).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestView {
    /// The server ran.
    pub running: bool,
    /// As a primary.
    pub primary: bool,
    /// On this timeline.
    pub timeline: Option<u32>,
    /// At this position.
    pub position: Option<u64>,
}

impl RestView {
    /// The view of `pg` now.
    pub fn of(pg: &PgState) -> RestView {
        RestView {
            running: pg.running(),
            primary: pg.is_running_primary(),
            timeline: pg.wal().map(|w| w.timeline()),
            position: pg.wal().filter(|_| pg.running()).map(|w| w.end()),
        }
    }
}

/// The state shared by every simulated component.
#[derive(Debug)]
pub struct SimState {
    /// Global time.
    pub clock: Arc<GlobalClock>,
    /// The one RNG of the run.
    pub rng: SimRng,
    /// The nodes, by index.
    pub nodes: Vec<NodeState>,
    /// The next unused WAL branch id.
    pub next_branch: u64,
    /// The next system identifier for a bootstrap.
    pub next_sysid: u64,
    /// Happenings since the world last drained them.
    pub journal: Vec<Happening>,
    /// The store's recent revisions, for reads served from a watch's cache.
    pub dcs_history: super::watch_view::DcsHistory,
    /// PostgreSQL operations take simulated time (see [`super::postgres`]).
    pub pg_latency: bool,
    /// The status query takes simulated time too, sometimes hundreds of milliseconds, as
    /// on a loaded machine (the short space).
    pub query_latency: bool,
}

impl SimState {
    /// A state with one node per name, each with an empty data directory, a down agent and
    /// an undrifting clock (the world sets real clocks).
    pub fn new(clock: Arc<GlobalClock>, rng: SimRng, names: &[String]) -> SimState {
        let nodes = names
            .iter()
            .map(|name| NodeState {
                name: name.clone(),
                clock: NodeClock::new(Arc::clone(&clock), 0, 0, 0),
                pg: PgState::empty(),
                faults: NodeFaults::default(),
                agent: AgentState::Down,
                tags: Tags::default(),
                failsafe_notice: None,
                known_leader: None,
                rest_view: None,
                lost: false,
            })
            .collect();
        SimState {
            clock,
            rng,
            nodes,
            next_branch: 0,
            next_sysid: 0,
            journal: Vec::new(),
            dcs_history: Default::default(),
            pg_latency: false,
            query_latency: false,
        }
    }

    /// The current global time.
    pub fn now(&self) -> Micros {
        self.clock.micros()
    }

    /// The index of the node named `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// True when nodes `a` and `b` can talk to each other (neither is isolated).
    pub fn connected(&self, a: usize, b: usize) -> bool {
        let now = self.now();
        let isolated = |i: usize| self.nodes.get(i).is_none_or(|n| n.faults.isolated(now));
        !isolated(a) && !isolated(b)
    }

    /// A fresh WAL branch id.
    pub fn new_branch(&mut self) -> u64 {
        self.next_branch += 1;
        self.next_branch
    }

    /// True when node `i`'s PostgreSQL accepts writes at global time `at` (not while the
    /// whole node is paused).
    pub fn accepts_writes_at(&self, i: usize, at: Micros) -> bool {
        self.nodes
            .get(i)
            .is_some_and(|n| !n.faults.paused(at) && n.pg.accepts_writes(n.clock.mono_at(at)))
    }
}

/// A handle on the shared state.
#[derive(Debug, Clone)]
pub struct Shared(Arc<Mutex<SimState>>);

impl Shared {
    /// Shares `state`.
    pub fn new(state: SimState) -> Shared {
        Shared(Arc::new(Mutex::new(state)))
    }

    /// Locks the state (a poisoned lock still yields the state: the simulator is single
    /// threaded and a panic ends the run anyway).
    pub fn lock(&self) -> MutexGuard<'_, SimState> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
