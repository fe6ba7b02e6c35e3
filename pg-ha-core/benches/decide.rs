//! Benchmark of `decide()` for clusters of 3, 10 and 100 members: median time per call over
//! many batches, for a steady leader, a following replica and a leader race.
//!
//! Run: `cargo bench -p pg-ha-core --bench decide`.

use pg_ha_core::config::{DynamicConfig, HaConfig, NodeConfig};
use pg_ha_core::decide;
use pg_ha_core::decide::{DcsView, Facts, Observation, PgView};
use pg_ha_core::lsn::Lsn;
use pg_ha_core::model::{Cluster, Leader, Member, MemberData, MemberState, Role, Status, Tags};
use pg_ha_core::peers::{PeerReport, PeerStatus};
use pg_ha_core::postgres::{PgRole, PgStatus};
use pg_ha_core::time::Mono;
use std::hint::black_box;
use std::time::Instant;

fn cluster(size: usize, leader: Option<&str>) -> Cluster {
    let members = (0..size)
        .map(|i| {
            let name = format!("node{i}");
            let role = if Some(name.as_str()) == leader {
                Role::Primary
            } else {
                Role::Replica
            };
            let mut data = MemberData::new(MemberState::Running, role);
            data.conn_url = Some(format!("postgres://127.0.0.1:{}/postgres", 5432 + i));
            data.api_url = Some(format!("http://127.0.0.1:{}/patroni", 8008 + i));
            data.xlog_location = Some(1_000_000 - i as u64);
            data.timeline = Some(1);
            Member {
                name,
                version: 1,
                session: None,
                data,
            }
        })
        .collect();
    Cluster {
        initialize: Some("7712434073260532225".into()),
        leader: leader.map(|l| Leader {
            name: l.into(),
            version: 1,
            session: None,
        }),
        members,
        status: Status {
            optime: Some(1_000_000),
            ..Status::default()
        },
        ..Cluster::default()
    }
}

fn pg(role: PgRole) -> PgStatus {
    let mut pg = PgStatus::running("7712434073260532225", role);
    pg.timeline = Some(1);
    pg.write_lsn = Some(Lsn(1_000_000));
    pg.receive_lsn = Some(Lsn(1_000_000));
    pg.replay_lsn = Some(Lsn(1_000_000));
    pg.upstream = Some("node0".into());
    pg
}

fn situation(size: usize, me: &str, leader: Option<&str>, role: PgRole) -> (Observation, HaConfig) {
    let cluster = cluster(size, leader);
    let peers = if leader.is_none() {
        cluster
            .members
            .iter()
            .filter(|m| m.name != me)
            .map(|m| PeerReport {
                name: m.name.clone(),
                status: Some(PeerStatus {
                    is_primary: false,
                    wal_position: m.data.xlog_location.map(Lsn),
                    timeline: Some(1),
                    failover_priority: 1,
                    watchdog_failed: false,
                }),
            })
            .collect()
    } else {
        Vec::new()
    };
    let obs = Observation {
        now: Mono::from_millis(1_000_000),
        wall: 1_800_000_000_000,
        dcs: DcsView::Available(cluster),
        pg: PgView::Known(pg(role)),
        peers,
        facts: Facts::default(),
    };
    let node = NodeConfig {
        name: me.into(),
        tags: Tags::default(),
        can_bootstrap: true,
        can_clone_without_leader: false,
        ..NodeConfig::default()
    };
    (
        obs,
        HaConfig {
            node,
            dynamic: DynamicConfig::default(),
        },
    )
}

/// Median nanoseconds per call over 31 batches.
fn median_ns(obs: &Observation, cfg: &HaConfig) -> f64 {
    let per_batch = 2_000;
    let mut samples: Vec<f64> = (0..31)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_batch {
                black_box(decide(black_box(obs), black_box(cfg)));
            }
            start.elapsed().as_nanos() as f64 / per_batch as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    println!(
        "{:<28} {:>8} {:>14}",
        "situation", "members", "median ns/call"
    );
    for size in [3, 10, 100] {
        let cases = [
            (
                "steady leader",
                situation(size, "node0", Some("node0"), PgRole::Primary),
            ),
            (
                "following replica",
                situation(size, "node1", Some("node0"), PgRole::Standby),
            ),
            (
                "leader race (all peers)",
                situation(size, "node0", None, PgRole::Standby),
            ),
        ];
        for (name, (obs, cfg)) in &cases {
            let ns = median_ns(obs, cfg);
            println!("{name:<28} {size:>8} {ns:>14.0}");
        }
    }
}
