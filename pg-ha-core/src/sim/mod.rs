//! The deterministic cluster simulator (feature `sim`).
//!
//! 3 to 7 nodes, each a real [`Runner`](crate::Runner) (the code the agent runs) over:
//! - a [`MemoryDcs`](crate::MemoryDcs) client behind [`FaultyDcs`] (partitions, lost replies,
//!   slow replies);
//! - a simulated PostgreSQL, [`SimPostgres`] (WAL with timelines and history branches,
//!   streaming with lag, crash, promote, rewind, reinit, synchronous_standby_names, the write
//!   fence);
//! - [`SimPeers`], answered from the other nodes' simulated state;
//! - a [`NodeClock`]: global time with up to ±0.5% drift and an offset.
//!
//! One [`SimRng`] makes every choice, so a seed replays a run exactly. The [`World`] runs a
//! discrete-event loop: runner steps at their `next_wake`, client writes and replication
//! ticks, random faults during a chaos phase, then a heal phase. After every event it checks
//! the [`invariants`]; the first violation ends the run and [`replay_command`] tells how to
//! replay it with a full event log.

pub mod chaos;
pub mod client;
pub mod clock;
pub mod config;
pub mod dcs;
pub mod event;
pub mod executor;
pub mod faults;
pub mod fence_guard;
pub mod invariants;
pub mod log;
pub mod node;
pub mod outcome;
pub mod peers;
pub mod pg_state;
pub mod postgres;
pub mod replication;
pub mod rng;
pub mod state;
pub mod wal;
pub mod wal_retention;
pub mod watch_view;
pub mod world;

mod apply;
mod stepping;

pub use chaos::Fault;
pub use clock::{GlobalClock, NodeClock};
pub use config::{SimConfig, Space};
pub use dcs::FaultyDcs;
pub use invariants::Violation;
pub use log::EventLog;
pub use outcome::{replay_command, replay_command_in, Outcome, Stats};
pub use peers::SimPeers;
pub use postgres::SimPostgres;
pub use rng::SimRng;
pub use world::World;

/// Runs the random scenario of `seed`. `record` keeps the event log in the outcome; `echo`
/// prints it as it happens.
pub fn run_seed(seed: u64, record: bool, echo: bool) -> Outcome {
    run_seed_in(seed, Space::Classic, record, echo)
}

/// Runs `seed` with its configuration drawn from `space`.
pub fn run_seed_in(seed: u64, space: Space, record: bool, echo: bool) -> Outcome {
    let mut rng = SimRng::new(seed);
    let cfg = SimConfig::from_seed_in(seed, &mut rng, space);
    World::new(cfg, rng, EventLog::new(record, echo)).run()
}

/// A world for a scripted scenario: `nodes` nodes, the fast profile, no random faults.
pub fn scripted(seed: u64, nodes: usize, synchronous: bool, record: bool) -> World {
    let mut rng = SimRng::new(seed);
    let cfg = SimConfig::scripted(seed, nodes, synchronous);
    let _ = rng.next_u64();
    World::new(cfg, rng, EventLog::new(record, false))
}
