//! `SimConfig`: the shape of one simulation run (cluster size, timing profile, phases),
//! derived from the seed so that a seed alone replays a run.

use super::rng::SimRng;
use crate::config::{DynamicConfig, SyncMode};
use crate::dcs::Expiry;
use crate::model::Tags;
use std::time::Duration;

/// Which configurations the seeds draw from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Space {
    /// Timing profiles, synchronous_mode on/off and its toggling, the rejoin settings: what
    /// `cargo test` and CI run.
    #[default]
    Classic,
    /// Also quorum mode, strict mode, synchronous_node_count 2, failsafe_mode,
    /// check_timeline, use_pg_rewind off and the nofailover / nosync / failover_priority
    /// tags, each for a share of the seeds (`simulate --space full`).
    Full,
    /// The full space, and machines lost for good: in half of the asynchronous runs a node
    /// that crashes without a restart date never comes back, not even at the heal, and the
    /// others must go on without it (`simulate --space lossy`; not yet clean, see the issue
    /// notes).
    Lossy,
    /// The full space at the shortest timings pg-ha accepts, ttl 2 / loop_wait 0.5 /
    /// retry_timeout 0.5 or ttl 3 / 1 / 1, with status queries that sometimes take hundreds
    /// of milliseconds (a loaded machine), and in half of the runs leases renewed as the etcd
    /// backend renews them (a renewal soon after a keep-alive skips it and is dated back)
    /// (`simulate --space short`).
    Short,
}

/// How one run is shaped.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// The seed of the run's RNG.
    pub seed: u64,
    /// Number of nodes (3 to 7).
    pub nodes: usize,
    /// The bootstrap dynamic configuration (the bootstrap leader writes it to `config`).
    pub dynamic: DynamicConfig,
    /// Random faults are injected between `warmup` and `warmup + chaos`.
    pub random_faults: bool,
    /// The chaos phase may toggle `synchronous_mode` in the `config` key.
    pub toggle_sync: bool,
    /// Time for the cluster to bootstrap before faults start.
    pub warmup: Duration,
    /// Length of the chaos phase.
    pub chaos: Duration,
    /// Extra time after ttl + loop_wait (from the heal) by which a writable primary must exist.
    pub heal_bound: Duration,
    /// Length of the heal phase (after which every node must replicate from the primary).
    pub settle: Duration,
    /// Interval of client writes and replication progress.
    pub tick: Duration,
    /// Each node's tags (`nofailover`, `nosync`, `failover_priority`), by index.
    pub tags: Vec<Tags>,
    /// The configuration space the run was drawn from.
    pub space: Space,
    /// How the DCS revokes expired leases: exactly, on etcd's 500 ms checks, or late within
    /// Consul's lower-bound TTL (by seed, for the random runs; exact for scripted ones).
    pub dcs_expiry: Expiry,
    /// How late the nodes' DCS watches deliver a change, so that their per-cycle reads may
    /// miss it ([`super::watch_view`]): 0, 50, 100 or 150 ms by seed in the full and lossy
    /// spaces, 0 in the classic one.
    pub watch_delay: Duration,
    /// Renewals skip the keep-alive of a fresh lease, as the etcd backend does
    /// ([`crate::dcs::MemoryStore::skip_fresh_keep_alives`]; half of the short space).
    pub skip_fresh_keep_alives: bool,
}

impl SimConfig {
    /// The run for `seed`: mostly a fast profile (ttl 5 s, loop_wait 1 s, retry_timeout 2 s),
    /// sometimes Patroni's defaults (30/10/10), sometimes synchronous_mode on. Uses `rng` (the
    /// run's RNG, fresh from `seed`) for the choices.
    pub fn from_seed(seed: u64, rng: &mut SimRng) -> SimConfig {
        SimConfig::from_seed_in(seed, rng, Space::Classic)
    }

    /// The run for `seed` in the configuration `space`.
    pub fn from_seed_in(seed: u64, rng: &mut SimRng, space: Space) -> SimConfig {
        let nodes = rng.range(3, 8) as usize;
        let slow_profile = rng.chance(0.15);
        let mut dynamic = if slow_profile {
            timing(30, 10, 10)
        } else {
            timing(5, 1, 2)
        };
        if rng.chance(0.3) {
            dynamic.synchronous_mode = SyncMode::On;
        }
        dynamic
            .postgresql
            .remove_data_directory_on_diverged_timelines = rng.chance(0.3);
        let toggle_sync = rng.chance(0.2);
        let chaos_loops = if slow_profile {
            rng.range(18, 36)
        } else {
            rng.range(30, 80)
        } as u32;
        // The rest of the configuration space, from a stream of its own so that the draws
        // above (and the runs of seeds that keep the defaults here) stay as they were.
        let mut tags = vec![Tags::default(); nodes];
        if space != Space::Classic {
            let mut extra = SimRng::new(seed ^ 0x9E37_79B9_7F4A_7C15);
            draw_modes(&mut extra, &mut dynamic, nodes);
            tags = draw_tags(&mut extra, &dynamic, nodes);
        }
        if space == Space::Short {
            short_timing(&mut SimRng::new(seed ^ 0x5DEE_CE66_D1CE_4E5B), &mut dynamic);
        }
        let mut cfg = SimConfig::shaped(seed, nodes, dynamic, toggle_sync, chaos_loops);
        cfg.tags = tags;
        cfg.space = space;
        if space != Space::Classic {
            cfg.watch_delay = Duration::from_millis(seed / 3 % 4 * 50);
        }
        cfg.skip_fresh_keep_alives = space == Space::Short && seed.is_multiple_of(2);
        cfg
    }

    /// A run with `nodes` nodes, the fast profile and no random faults (for scripted
    /// scenarios).
    pub fn scripted(seed: u64, nodes: usize, synchronous: bool) -> SimConfig {
        let mut dynamic = timing(5, 1, 2);
        if synchronous {
            dynamic.synchronous_mode = SyncMode::On;
        }
        let mut cfg = SimConfig::shaped(seed, nodes, dynamic, false, 0);
        cfg.random_faults = false;
        cfg.dcs_expiry = Expiry::Exact;
        cfg
    }

    fn shaped(
        seed: u64,
        nodes: usize,
        dynamic: DynamicConfig,
        toggle_sync: bool,
        chaos_loops: u32,
    ) -> SimConfig {
        let ttl = dynamic.ttl;
        let loop_wait = dynamic.loop_wait;
        SimConfig {
            seed,
            nodes,
            warmup: ttl + loop_wait * 3,
            chaos: (ttl + loop_wait) * chaos_loops / 6,
            heal_bound: loop_wait + dynamic.retry_timeout,
            settle: (ttl + loop_wait) * 4 + Duration::from_secs(5),
            tick: Duration::from_millis(50),
            random_faults: true,
            toggle_sync,
            tags: vec![Tags::default(); nodes],
            space: Space::Classic,
            dcs_expiry: match seed % 3 {
                0 => Expiry::Exact,
                1 => Expiry::ETCD,
                _ => Expiry::LowerBound,
            },
            watch_delay: Duration::ZERO,
            skip_fresh_keep_alives: false,
            dynamic,
        }
    }

    /// The global time at which the chaos phase ends and the heal starts.
    pub fn heal_at(&self) -> Duration {
        self.warmup + self.chaos
    }

    /// The latest time after the heal by which a writable primary must exist:
    /// ttl + loop_wait + `heal_bound`, plus the longest the store may keep a lease past its
    /// ttl (Consul's lower-bound TTL: up to another ttl; a leader lost just before the heal
    /// keeps its key that long, simulation seed 3001640 of the lossy space).
    pub fn liveness_bound(&self) -> Duration {
        self.dynamic.ttl
            + self.dcs_expiry.max_delay(self.dynamic.ttl)
            + self.dynamic.loop_wait
            + self.heal_bound
    }
}

/// Synchronous replication variants, failsafe_mode, check_timeline, rewind off and a failed
/// rewind left to a human, each for a share of the seeds.
fn draw_modes(rng: &mut SimRng, dynamic: &mut DynamicConfig, nodes: usize) {
    if dynamic.synchronous_mode == SyncMode::On {
        if rng.chance(0.3) {
            dynamic.synchronous_mode = SyncMode::Quorum;
        }
        dynamic.synchronous_mode_strict = rng.chance(0.2);
        if nodes >= 4 && rng.chance(0.25) {
            dynamic.synchronous_node_count = 2;
        }
    }
    dynamic.failsafe_mode = rng.chance(0.15);
    dynamic.check_timeline = rng.chance(0.15);
    dynamic.postgresql.use_pg_rewind = !rng.chance(0.1);
    // Last, so that the draws before it stay as they were.
    dynamic.postgresql.remove_data_directory_on_rewind_failure = !rng.chance(0.2);
}

/// The shortest timings pg-ha accepts: ttl 2 / loop_wait 0.5 / retry_timeout 0.5 for most
/// runs, ttl 3 / 1 / 1 for the rest.
fn short_timing(rng: &mut SimRng, dynamic: &mut DynamicConfig) {
    let (ttl, loop_wait, retry_timeout) = if rng.chance(0.6) {
        (2000, 500, 500)
    } else {
        (3000, 1000, 1000)
    };
    dynamic.ttl = Duration::from_millis(ttl);
    dynamic.loop_wait = Duration::from_millis(loop_wait);
    dynamic.retry_timeout = Duration::from_millis(retry_timeout);
}

/// One node `nofailover`, one `nosync` (synchronous modes), distinct failover priorities,
/// each for a share of the seeds.
fn draw_tags(rng: &mut SimRng, dynamic: &DynamicConfig, nodes: usize) -> Vec<Tags> {
    let mut tags = vec![Tags::default(); nodes];
    let mut set = |i: usize, key: &str, value: serde_json::Value| {
        tags[i].0.insert(key.to_string(), value);
    };
    if rng.chance(0.15) {
        set(rng.index(nodes), "nofailover", serde_json::json!(true));
    }
    if dynamic.synchronous_mode != SyncMode::Off && rng.chance(0.15) {
        set(rng.index(nodes), "nosync", serde_json::json!(true));
    }
    if rng.chance(0.15) {
        for i in 0..nodes {
            let priority = rng.range(1, 4);
            set(i, "failover_priority", serde_json::json!(priority));
        }
    }
    tags
}

/// The `config` key value the simulator's operator writes: the timing keys, the lag limit,
/// synchronous_mode and the `postgresql` rejoin settings of `dynamic`.
pub fn config_json(dynamic: &DynamicConfig) -> serde_json::Value {
    let pg = &dynamic.postgresql;
    serde_json::json!({
        "ttl": seconds(dynamic.ttl),
        "loop_wait": seconds(dynamic.loop_wait),
        "retry_timeout": seconds(dynamic.retry_timeout),
        "maximum_lag_on_failover": dynamic.maximum_lag_on_failover,
        "synchronous_mode": match dynamic.synchronous_mode {
            SyncMode::Off => serde_json::json!(false),
            SyncMode::On => serde_json::json!(true),
            SyncMode::Quorum => serde_json::json!("quorum"),
        },
        "synchronous_mode_strict": dynamic.synchronous_mode_strict,
        "synchronous_node_count": dynamic.synchronous_node_count,
        "failsafe_mode": dynamic.failsafe_mode,
        "check_timeline": dynamic.check_timeline,
        "postgresql": {
            "use_pg_rewind": pg.use_pg_rewind,
            "use_slots": pg.use_slots,
            "remove_data_directory_on_rewind_failure": pg.remove_data_directory_on_rewind_failure,
            "remove_data_directory_on_diverged_timelines": pg.remove_data_directory_on_diverged_timelines,
        },
    })
}

/// A duration as Patroni writes it: whole seconds as an integer, else a float.
fn seconds(d: Duration) -> serde_json::Value {
    if d.subsec_nanos() == 0 {
        serde_json::json!(d.as_secs())
    } else {
        serde_json::json!(d.as_secs_f64())
    }
}

fn timing(ttl: u64, loop_wait: u64, retry_timeout: u64) -> DynamicConfig {
    let mut dynamic = DynamicConfig {
        ttl: Duration::from_secs(ttl),
        loop_wait: Duration::from_secs(loop_wait),
        retry_timeout: Duration::from_secs(retry_timeout),
        ..DynamicConfig::default()
    };
    dynamic.postgresql.use_pg_rewind = true;
    dynamic.postgresql.remove_data_directory_on_rewind_failure = true;
    dynamic
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_give_valid_configs() {
        for seed in 0..200 {
            let space = if seed % 2 == 0 {
                Space::Classic
            } else {
                Space::Full
            };
            let cfg = SimConfig::from_seed_in(seed, &mut SimRng::new(seed), space);
            assert!((3..=7).contains(&cfg.nodes));
            assert_eq!(cfg.dynamic.validate(), Ok(()));
            let parsed = DynamicConfig::from_json(&config_json(&cfg.dynamic));
            assert_eq!(
                parsed.as_ref().map(|p| p.synchronous_mode),
                Ok(cfg.dynamic.synchronous_mode)
            );
            assert_eq!(
                parsed.map(|p| p.postgresql.use_pg_rewind),
                Ok(cfg.dynamic.postgresql.use_pg_rewind)
            );
        }
    }
}
