//! Builders for decide() table tests: a named situation in, exact actions and reason out.

use pg_ha_core::config::{DynamicConfig, HaConfig, NodeConfig, SyncMode};
use pg_ha_core::decide::{Action, DcsView, Facts, Observation, PgView};
use pg_ha_core::lsn::Lsn;
use pg_ha_core::model::{
    Cluster, Failover, History, HistoryEntry, Leader, Member, MemberData, MemberState, Role,
    Status, SyncState, Tags, Versioned,
};
use pg_ha_core::peers::{PeerReport, PeerStatus};
use pg_ha_core::postgres::{DataDirState, PgRole, PgStatus, ProcessState, ReplicaConnection};
use pg_ha_core::time::Mono;
use pg_ha_core::{decide, Decision};
use std::time::Duration;

pub(crate) const SYSID: &str = "7712434073260532225";
pub(crate) const NOW: Mono = Mono::from_millis(1_000_000);

/// A test situation: the observation and config that go into decide().
pub(crate) struct Situation {
    pub(crate) obs: Observation,
    pub(crate) cfg: HaConfig,
    /// Unless set, the dynamic `postgresql` section counts as applied already, so that the
    /// tables show only the rule under test.
    pub(crate) config_unapplied: bool,
}

impl Situation {
    /// Node `me` of a 3-node cluster with no keys, PostgreSQL stopped with an empty data dir.
    pub(crate) fn new(me: &str) -> Situation {
        let node = NodeConfig {
            name: me.to_string(),
            scope: "demo".into(),
            tags: Tags::default(),
            can_bootstrap: true,
            can_clone_without_leader: false,
            conn_url: format!("postgres://127.0.0.1:5432/{me}"),
            api_url: format!("http://127.0.0.1:8008/{me}/patroni"),
            proxy_url: None,
        };
        let dynamic = DynamicConfig {
            ttl: Duration::from_secs(30),
            loop_wait: Duration::from_secs(10),
            retry_timeout: Duration::from_secs(10),
            ..DynamicConfig::default()
        };
        let cfg = HaConfig { node, dynamic };
        let obs = Observation {
            now: NOW,
            wall: 1_800_000_000_000,
            dcs: DcsView::Available(Cluster::default()),
            pg: PgView::Known(PgStatus::empty()),
            peers: Vec::new(),
            facts: Facts::default(),
        };
        Situation {
            obs,
            cfg,
            config_unapplied: false,
        }
    }

    pub(crate) fn decide(&self) -> Decision {
        let mut obs = self.obs.clone();
        if !self.config_unapplied && obs.facts.applied_postgresql.is_none() {
            obs.facts.applied_postgresql = Some(self.cfg.dynamic.postgresql.clone());
        }
        decide(&obs, &self.cfg)
    }

    pub(crate) fn cluster(&mut self) -> &mut Cluster {
        match &mut self.obs.dcs {
            DcsView::Available(c) => c,
            DcsView::Unreachable { .. } => panic!("the DCS is unreachable in this situation"),
        }
    }

    pub(crate) fn pg(&mut self) -> &mut PgStatus {
        match &mut self.obs.pg {
            PgView::Known(pg) => pg,
            PgView::Unknown { .. } => panic!("PostgreSQL is unknown in this situation"),
        }
    }

    /// An initialized cluster (sysid in `initialize`, a config key).
    pub(crate) fn initialized(mut self) -> Self {
        self.cluster().initialize = Some(SYSID.into());
        self
    }

    /// `name` holds the leader key.
    pub(crate) fn leader(mut self, name: &str) -> Self {
        self.cluster().leader = Some(Leader {
            name: name.into(),
            version: 7,
            session: Some("1".into()),
        });
        self
    }

    /// A member key for `name` with role and WAL position.
    pub(crate) fn member(mut self, name: &str, role: Role, lsn: u64) -> Self {
        let mut data = MemberData::new(MemberState::Running, role);
        data.conn_url = Some(format!("postgres://127.0.0.1:5432/{name}"));
        data.api_url = Some(format!("http://127.0.0.1:8008/{name}/patroni"));
        data.xlog_location = Some(lsn);
        data.timeline = Some(1);
        let cluster = self.cluster();
        cluster.members.retain(|m| m.name != name);
        cluster.members.push(Member {
            name: name.into(),
            version: 3,
            session: None,
            data,
        });
        cluster.members.sort_by(|a, b| a.name.cmp(&b.name));
        self
    }

    /// Sets a member's timeline.
    pub(crate) fn member_timeline(mut self, name: &str, tl: u32) -> Self {
        let m = self
            .cluster()
            .members
            .iter_mut()
            .find(|m| m.name == name)
            .expect("member exists");
        m.data.timeline = Some(tl);
        self
    }

    /// Tags a member (its key) with `key: value`.
    pub(crate) fn member_tag(mut self, name: &str, key: &str, value: serde_json::Value) -> Self {
        let m = self
            .cluster()
            .members
            .iter_mut()
            .find(|m| m.name == name)
            .expect("member exists");
        m.data.tags.0.insert(key.into(), value);
        self
    }

    /// The standard 3-node cluster node1..node3 with `leader` holding the key.
    pub(crate) fn three_nodes(self, leader: Option<&str>, lsn: u64) -> Self {
        let mut s = self.initialized();
        for n in ["node1", "node2", "node3"] {
            let role = if Some(n) == leader {
                Role::Primary
            } else {
                Role::Replica
            };
            s = s.member(n, role, lsn);
        }
        s.cluster().status = Status {
            optime: Some(lsn),
            // What the leader publishes: every member, itself included (as Patroni 4).
            retain_slots: vec!["node1".into(), "node2".into(), "node3".into()],
            // The leader's timeline, which it publishes with the optime.
            timeline: Some(1),
            ..Status::default()
        };
        let raw = serde_json::json!({"ttl": 30, "loop_wait": 10, "retry_timeout": 10});
        let parsed = s.cfg.dynamic.clone();
        s.cluster().config = Some(pg_ha_core::model::ConfigEntry {
            raw,
            parsed,
            version: 11,
        });
        match leader {
            Some(l) => s.leader(l),
            None => s,
        }
    }

    pub(crate) fn optime(mut self, lsn: u64) -> Self {
        self.cluster().status.optime = Some(lsn);
        self
    }

    /// The timeline the `status` key says its optime is on (`None`: Patroni wrote it).
    pub(crate) fn status_timeline(mut self, timeline: Option<u32>) -> Self {
        self.cluster().status.timeline = timeline;
        self
    }

    pub(crate) fn failover(
        mut self,
        leader: Option<&str>,
        member: Option<&str>,
        scheduled_at: Option<&str>,
    ) -> Self {
        let value = Failover {
            leader: leader.map(Into::into),
            member: member.map(Into::into),
            scheduled_at: scheduled_at.map(Into::into),
        };
        self.cluster().failover = Some(Versioned { value, version: 40 });
        self
    }

    pub(crate) fn sync(mut self, leader: &str, standbys: &[&str], quorum: u32) -> Self {
        let names: Vec<String> = standbys.iter().map(|s| s.to_string()).collect();
        self.cluster().sync = Some(Versioned {
            value: SyncState::new(leader, &names, quorum),
            version: 50,
        });
        self
    }

    /// failsafe_mode on, with a `failsafe` map of `names` (API `http://<name>/patroni`).
    pub(crate) fn failsafe_map(mut self, names: &[&str]) -> Self {
        self.cfg.dynamic.failsafe_mode = true;
        let mut map = pg_ha_core::model::Failsafe::default();
        for name in names {
            map.0
                .insert(name.to_string(), format!("http://{name}/patroni"));
        }
        self.cluster().failsafe = Some(map);
        self
    }

    pub(crate) fn sync_mode(mut self, mode: SyncMode) -> Self {
        self.cfg.dynamic.synchronous_mode = mode;
        self
    }

    /// Local PostgreSQL: a running primary at `lsn` on timeline `tl`.
    pub(crate) fn pg_primary(mut self, lsn: u64, tl: u32) -> Self {
        let pg = self.pg();
        *pg = running(PgRole::Primary, tl);
        pg.write_lsn = Some(Lsn(lsn));
        self
    }

    /// Local PostgreSQL: a running standby at `lsn`, streaming from `upstream`.
    pub(crate) fn pg_standby(mut self, lsn: u64, tl: u32, upstream: Option<&str>) -> Self {
        let pg = self.pg();
        *pg = running(PgRole::Standby, tl);
        pg.receive_lsn = Some(Lsn(lsn));
        pg.replay_lsn = Some(Lsn(lsn));
        pg.upstream = upstream.map(Into::into);
        pg.streaming = upstream.is_some();
        self
    }

    /// Local PostgreSQL: stopped (or crashed) with data at `lsn` on `tl`.
    pub(crate) fn pg_down(
        mut self,
        process: ProcessState,
        lsn: u64,
        tl: u32,
        standby_signal: bool,
    ) -> Self {
        let pg = self.pg();
        *pg = PgStatus::empty();
        pg.data_dir = DataDirState::Initialized {
            sysid: SYSID.into(),
            clean_shutdown: true,
            standby_signal,
        };
        pg.process = process;
        pg.timeline = Some(tl);
        pg.write_lsn = Some(Lsn(lsn));
        self
    }

    /// A standby connected to the local primary.
    pub(crate) fn replica_conn(mut self, name: &str, sync_state: &str, lsn: u64) -> Self {
        self.pg().replicas.push(ReplicaConnection {
            application_name: name.into(),
            state: "streaming".into(),
            sync_state: sync_state.into(),
            flush_lsn: Some(Lsn(lsn)),
        });
        self
    }

    pub(crate) fn sync_guc(mut self, guc: &str) -> Self {
        self.pg().sync_standby_names = guc.into();
        self
    }

    /// A peer's answer during the race.
    pub(crate) fn peer(mut self, name: &str, is_primary: bool, lsn: u64, priority: i64) -> Self {
        let status = PeerStatus {
            is_primary,
            wal_position: Some(Lsn(lsn)),
            timeline: Some(1),
            failover_priority: priority,
            watchdog_failed: false,
        };
        self.obs.peers.push(PeerReport {
            name: name.into(),
            status: Some(status),
        });
        self
    }

    /// A peer that could not be asked.
    pub(crate) fn peer_unreachable(mut self, name: &str) -> Self {
        self.obs.peers.push(PeerReport {
            name: name.into(),
            status: None,
        });
        self
    }

    /// This node renewed its lease `ago` before now.
    pub(crate) fn renewed(mut self, ago: Duration) -> Self {
        self.obs.facts.lease_renewed_at = Some(NOW - ago);
        self
    }

    /// The DCS cannot be read (since `ago`).
    pub(crate) fn dcs_down(mut self, ago: Duration) -> Self {
        let last_known = self.obs.dcs.cluster().cloned();
        self.obs.dcs = DcsView::Unreachable {
            since: NOW - ago,
            last_known,
        };
        self
    }

    pub(crate) fn tag(mut self, key: &str, value: serde_json::Value) -> Self {
        self.cfg.node.tags.0.insert(key.into(), value);
        self
    }

    pub(crate) fn paused(mut self) -> Self {
        self.cfg.dynamic.pause = true;
        self
    }

    pub(crate) fn history(mut self, entries: &[(u32, u64)]) -> Self {
        self.cluster().history = History(
            entries
                .iter()
                .map(|(tl, lsn)| HistoryEntry {
                    timeline: *tl,
                    switch_lsn: *lsn,
                    reason: "no recovery target specified".into(),
                    timestamp: None,
                    new_leader: None,
                })
                .collect(),
        );
        self
    }
}

fn running(role: PgRole, tl: u32) -> PgStatus {
    let mut pg = PgStatus::running(SYSID, role);
    pg.timeline = Some(tl);
    pg
}

/// The history write a node on timeline `tl` at `lsn` makes right before promoting.
pub(crate) fn announce(tl: u32, lsn: u64, me: &str) -> Action {
    Action::WriteHistory(History(vec![HistoryEntry {
        timeline: tl,
        switch_lsn: lsn,
        reason: "no recovery target specified".into(),
        timestamp: None,
        new_leader: Some(me.into()),
    }]))
}
