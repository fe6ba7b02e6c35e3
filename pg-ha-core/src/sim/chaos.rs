//! `Fault` and the chaos phase's random choice of the next fault.

use super::config::SimConfig;
use super::rng::SimRng;
use std::time::Duration;

/// One injected fault.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// The whole node dies (agent and PostgreSQL); it comes back after `down_for`, or at the
    /// heal when `None`.
    CrashNode {
        /// The node.
        node: usize,
        /// Downtime.
        down_for: Option<Duration>,
    },
    /// Only PostgreSQL dies; the agent notices and acts.
    CrashPostgres {
        /// The node.
        node: usize,
    },
    /// The agent stops like SIGSTOP; its PostgreSQL keeps running until the write fence.
    /// With `whole`, the whole node stops (a paused VM): PostgreSQL and the fence guard too,
    /// and nothing reaches it; on resume the guard fires before PostgreSQL takes a write.
    Freeze {
        /// The node.
        node: usize,
        /// For how long.
        duration: Duration,
        /// The whole node, not only the agent.
        whole: bool,
    },
    /// The node cannot reach the DCS.
    CutDcs {
        /// The node.
        node: usize,
        /// For how long.
        duration: Duration,
        /// How long each failing call hangs first (zero: refused at once).
        hang: Duration,
    },
    /// No node can reach the DCS (the whole DCS is down); the nodes still reach each other.
    DcsOutage {
        /// For how long.
        duration: Duration,
        /// How long each failing call hangs first (zero: refused at once).
        hang: Duration,
    },
    /// The node can reach neither the DCS nor any other node.
    Isolate {
        /// The node.
        node: usize,
        /// For how long.
        duration: Duration,
    },
    /// The node's DCS calls are slow.
    SlowDcs {
        /// The node.
        node: usize,
        /// For how long.
        duration: Duration,
        /// The longest delay of one call.
        max: Duration,
    },
    /// The node's DCS calls apply but some replies are lost.
    LoseReplies {
        /// The node.
        node: usize,
        /// For how long.
        duration: Duration,
        /// The probability of losing one reply.
        probability: f64,
    },
    /// The node's WAL receiver makes no progress.
    StallReplication {
        /// The node.
        node: usize,
        /// For how long.
        duration: Duration,
    },
    /// A switchover request in the `failover` key (as `POST /switchover` writes it).
    Switchover {
        /// The candidate, or any healthy node.
        candidate: Option<usize>,
    },
    /// Flip `synchronous_mode` in the `config` key.
    ToggleSync,
    /// Set a boolean of the `config` key, e.g. `pause` (as `pg-ha-ctl pause` / `resume`) or
    /// `failsafe_mode` (scripted only).
    SetConfig {
        /// The key.
        key: &'static str,
        /// Its new value.
        value: bool,
    },
}

impl Fault {
    /// The fault's kind, for counting.
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::CrashNode { .. } => "crash_node",
            Fault::CrashPostgres { .. } => "crash_postgres",
            Fault::Freeze { whole: false, .. } => "freeze",
            Fault::Freeze { whole: true, .. } => "freeze_node",
            Fault::CutDcs { .. } => "cut_dcs",
            Fault::DcsOutage { .. } => "dcs_outage",
            Fault::Isolate { .. } => "isolate",
            Fault::SlowDcs { .. } => "slow_dcs",
            Fault::LoseReplies { .. } => "lose_replies",
            Fault::StallReplication { .. } => "stall_replication",
            Fault::Switchover { .. } => "switchover",
            Fault::ToggleSync => "toggle_sync",
            Fault::SetConfig { .. } => "set_config",
        }
    }
}

fn between(rng: &mut SimRng, lo: Duration, hi: Duration) -> Duration {
    Duration::from_micros(rng.range(lo.as_micros() as u64, hi.as_micros() as u64 + 1))
}

/// Chooses the next fault. Half of the node faults hit the current primary, if any.
pub fn pick(rng: &mut SimRng, cfg: &SimConfig, primary: Option<usize>) -> Fault {
    let ttl = cfg.dynamic.ttl;
    let retry = cfg.dynamic.retry_timeout;
    let node = match primary {
        Some(p) if rng.chance(0.5) => p,
        _ => rng.index(cfg.nodes),
    };
    let duration = between(rng, ttl / 5, ttl * 3);
    match rng.below(100) {
        0..=14 => Fault::CrashNode {
            node,
            down_for: (!rng.chance(0.2)).then(|| between(rng, ttl / 5, ttl * 4)),
        },
        15..=24 => Fault::CrashPostgres { node },
        // Whole node or agent only, from the duration drawn (no extra draw, so that the
        // seeds' fault sequences stay as they were).
        25..=39 => Fault::Freeze {
            node,
            duration,
            whole: duration.as_micros() % 2 == 1,
        },
        40..=51 => {
            let hang = if rng.chance(0.5) {
                Duration::ZERO
            } else {
                between(rng, Duration::from_millis(10), retry / 2)
            };
            // Outside the classic space a third of the cuts take the whole DCS down, chosen
            // from the duration drawn (no extra draw).
            // A DCS that is down either refuses at once or black-holes every call until the
            // client gives up (retry_timeout), as a frozen etcd does.
            if cfg.space != super::Space::Classic && duration.as_micros().is_multiple_of(3) {
                let hang = if hang.is_zero() { hang } else { retry };
                Fault::DcsOutage { duration, hang }
            } else {
                Fault::CutDcs {
                    node,
                    duration,
                    hang,
                }
            }
        }
        52..=59 => Fault::Isolate { node, duration },
        60..=69 => Fault::SlowDcs {
            node,
            duration,
            max: between(rng, Duration::from_millis(50), retry),
        },
        70..=79 => Fault::LoseReplies {
            node,
            duration,
            probability: 0.1 + rng.unit() * 0.6,
        },
        80..=87 => Fault::StallReplication {
            node,
            duration: duration * 2,
        },
        88..=95 => Fault::Switchover {
            candidate: rng.chance(0.7).then(|| rng.index(cfg.nodes)),
        },
        _ if cfg.toggle_sync => Fault::ToggleSync,
        _ => Fault::CrashPostgres { node },
    }
}

/// The pause before the next random fault.
pub fn gap(rng: &mut SimRng, cfg: &SimConfig) -> Duration {
    between(rng, cfg.dynamic.ttl / 10, cfg.dynamic.ttl * 6 / 5)
}
