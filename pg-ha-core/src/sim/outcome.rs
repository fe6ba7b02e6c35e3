//! `Outcome`: what one simulation run found.

use super::clock::Micros;
use super::invariants::Violation;
use std::fmt;

/// Counters of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Events processed.
    pub events: u64,
    /// Runner steps.
    pub steps: u64,
    /// Faults injected.
    pub faults: u64,
    /// Promotions (pg promote).
    pub promotions: u64,
    /// Changes of the leader key's holder.
    pub leader_changes: u64,
    /// Client writes attempted.
    pub writes: u64,
    /// Client writes acknowledged.
    pub acknowledged: u64,
    /// Acknowledged under the synchronous guarantee.
    pub guaranteed: u64,
    /// Faults injected, by kind ([`super::Fault::kind`]).
    pub faults_by_kind: std::collections::BTreeMap<&'static str, u64>,
    /// Promotions that had to keep every guaranteed commit (checked against the ledger).
    pub guarded_promotions: u64,
    /// Machines lost for good ([`super::Space::Lossy`]).
    pub lost_machines: u64,
    /// DCS outages under failsafe_mode watched from a healthy start
    /// ([`super::invariants::failsafe_available`]).
    pub failsafe_outages: u64,
    /// Runs that ended without a primary because a lost machine left no survivor that
    /// Patroni's rules let lead ([`super::invariants::stranded`]).
    pub stranded: u64,
    /// Lease renewals that skipped the keep-alive of a fresh lease
    /// ([`super::SimConfig::skip_fresh_keep_alives`]).
    pub skipped_keep_alives: u64,
}

impl Stats {
    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &Stats) {
        self.events += other.events;
        self.steps += other.steps;
        self.faults += other.faults;
        self.promotions += other.promotions;
        self.leader_changes += other.leader_changes;
        self.writes += other.writes;
        self.acknowledged += other.acknowledged;
        self.guaranteed += other.guaranteed;
        self.guarded_promotions += other.guarded_promotions;
        self.lost_machines += other.lost_machines;
        self.failsafe_outages += other.failsafe_outages;
        self.stranded += other.stranded;
        self.skipped_keep_alives += other.skipped_keep_alives;
        for (kind, n) in &other.faults_by_kind {
            *self.faults_by_kind.entry(kind).or_default() += n;
        }
    }
}

/// The result of one run.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The seed.
    pub seed: u64,
    /// The first invariant violation, if any (the run stops there).
    pub violation: Option<Violation>,
    /// Counters.
    pub stats: Stats,
    /// Simulated time at the end.
    pub sim_time: Micros,
    /// The event log (empty unless recorded).
    pub log: Vec<String>,
    /// A one-line description of the run's shape.
    pub shape: String,
    /// The configuration space the seed was drawn from.
    pub space: super::Space,
}

impl Outcome {
    /// True when no invariant was violated.
    pub fn passed(&self) -> bool {
        self.violation.is_none()
    }
}

/// The command that replays `seed` with a full event log.
pub fn replay_command(seed: u64) -> String {
    format!("cargo run -p pg-ha-core --features sim --example simulate -- --seed {seed} --verbose")
}

/// The command that replays `seed` of `space` with a full event log.
pub fn replay_command_in(seed: u64, space: super::Space) -> String {
    match space {
        super::Space::Classic => replay_command(seed),
        super::Space::Full => format!("{} --space full", replay_command(seed)),
        super::Space::Lossy => format!("{} --space lossy", replay_command(seed)),
        super::Space::Short => format!("{} --space short", replay_command(seed)),
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.violation {
            None => write!(
                f,
                "seed {} passed ({}; {:.0}s simulated, {} events, {} promotions, {} acks)",
                self.seed,
                self.shape,
                self.sim_time as f64 / 1e6,
                self.stats.events,
                self.stats.promotions,
                self.stats.acknowledged
            ),
            Some(v) => write!(
                f,
                "seed {} FAILED ({}): {v}\n  replay: {}",
                self.seed,
                self.shape,
                replay_command_in(self.seed, self.space)
            ),
        }
    }
}
