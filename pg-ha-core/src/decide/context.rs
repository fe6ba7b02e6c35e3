//! `Ctx`: the observation and config of one `decide` call, with the questions every rule asks.

use super::{DcsView, Observation, PgView};
use crate::config::{DynamicConfig, HaConfig, SyncMode};
use crate::model::{Cluster, Member, SyncState, Versioned};
use crate::postgres::{PgStatus, ProcessState};
use crate::time::Mono;
use std::time::Duration;

/// One `decide` call's inputs, for rules that have a fresh cluster and a known PostgreSQL.
pub(super) struct Ctx<'a> {
    pub(super) obs: &'a Observation,
    pub(super) cfg: &'a HaConfig,
    pub(super) cluster: &'a Cluster,
    pub(super) pg: &'a PgStatus,
}

impl<'a> Ctx<'a> {
    /// A context when the DCS answered and PostgreSQL's state is known.
    pub(super) fn new(obs: &'a Observation, cfg: &'a HaConfig) -> Option<Ctx<'a>> {
        let DcsView::Available(cluster) = &obs.dcs else {
            return None;
        };
        let PgView::Known(pg) = &obs.pg else {
            return None;
        };
        Some(Ctx {
            obs,
            cfg,
            cluster,
            pg,
        })
    }

    pub(super) fn me(&self) -> &str {
        &self.cfg.node.name
    }

    pub(super) fn dynamic(&self) -> &DynamicConfig {
        &self.cfg.dynamic
    }

    pub(super) fn now(&self) -> Mono {
        self.obs.now
    }

    pub(super) fn i_am_leader(&self) -> bool {
        self.cluster.is_leader(self.me())
    }

    pub(super) fn pg_running(&self) -> bool {
        self.pg.process == ProcessState::Running
    }

    pub(super) fn pg_down(&self) -> bool {
        matches!(
            self.pg.process,
            ProcessState::Stopped | ProcessState::Crashed
        )
    }

    /// How a primary stops cleanly: fast, or with `primary_stop_timeout` (> 0, in
    /// synchronous mode) fast then SIGKILL after that long.
    pub(super) fn primary_stop(&self) -> crate::postgres::StopMode {
        let after = self.dynamic().primary_stop_timeout;
        if self.sync_mode() != SyncMode::Off && !after.is_zero() && self.pg.is_running_primary() {
            crate::postgres::StopMode::FastOrKill { after }
        } else {
            crate::postgres::StopMode::Fast
        }
    }

    pub(super) fn sync_mode(&self) -> SyncMode {
        if self.dynamic().is_standby_cluster() {
            SyncMode::Off
        } else {
            self.dynamic().synchronous_mode
        }
    }

    /// The member key of `name`.
    pub(super) fn member(&self, name: &str) -> Option<&'a Member> {
        self.cluster.member(name)
    }

    /// Other members that could take over: not me, not nofailover, with an api_url.
    pub(super) fn failover_targets(&self) -> impl Iterator<Item = &'a Member> + '_ {
        let me = self.me().to_string();
        self.cluster
            .members
            .iter()
            .filter(move |m| m.name != me && !m.data.tags.nofailover() && m.data.api_url.is_some())
    }

    /// How long since the wall-clock `at` (negative if in the future).
    pub(super) fn wall_since(&self, at_ms: i64) -> i64 {
        self.obs.wall - at_ms
    }

    pub(super) fn loop_wait(&self) -> Duration {
        self.dynamic().loop_wait
    }
}

impl Ctx<'_> {
    /// The cluster's timeline per `history`, except that a timeline announced before a
    /// promotion that never happened does not count: its announcer still reports the old
    /// timeline (itself, or as a peer that answered). Entries of skipped numbers (LSN 0) that
    /// follow the announcement belong to it.
    pub(super) fn cluster_timeline(&self) -> u32 {
        let history = &self.cluster.history;
        let Some(last) = history.0.iter().rev().find(|e| e.switch_lsn != 0) else {
            return history.timeline();
        };
        let Some(announcer) = last.new_leader.as_deref() else {
            return history.timeline();
        };
        let announcer_timeline = if announcer == self.me() {
            self.pg.timeline
        } else {
            self.obs
                .peers
                .iter()
                .find(|p| p.name == announcer)
                .and_then(|p| p.status.as_ref())
                .and_then(|s| s.timeline)
        };
        if announcer_timeline == Some(last.timeline) {
            last.timeline
        } else {
            history.timeline()
        }
    }

    /// The timeline a replica must have reached to win an election under check_timeline:
    /// [`Ctx::cluster_timeline`], except that an announcement nobody confirmed does not count
    /// either. A promotion is confirmed by the new leader's timestamp on its history entry
    /// (written once it runs on the new timeline; Patroni's entries and old 3-item ones
    /// count as confirmed), or by any member reporting a later timeline. An announcer that never promoted and cannot answer (lost before its
    /// promotion) would otherwise bar every replica for good; Patroni, which writes the
    /// history only after promoting, would not have announced it at all.
    pub(super) fn election_timeline(&self) -> u32 {
        let cluster = self.cluster_timeline();
        let history = &self.cluster.history;
        let Some(last) = history.0.iter().rev().find(|e| e.switch_lsn != 0) else {
            return cluster;
        };
        // Patroni writes the timestamp with the new leader's name: only an announcement has
        // the one without the other.
        let announcement = last.new_leader.is_some() && last.timestamp.is_none();
        if cluster <= last.timeline || !announcement {
            return cluster;
        }
        let mut reported = self.reported_timelines().chain(self.pg.timeline);
        if reported.any(|tl| tl > last.timeline) {
            cluster
        } else {
            last.timeline
        }
    }

    /// The timelines other members published (member keys) or reported (REST answers).
    pub(super) fn reported_timelines(&self) -> impl Iterator<Item = u32> + '_ {
        let members = self.cluster.members.iter().filter_map(|m| m.data.timeline);
        let peers = self
            .obs
            .peers
            .iter()
            .filter_map(|p| p.status.as_ref().and_then(|s| s.timeline));
        members.chain(peers)
    }
}

impl Ctx<'_> {
    /// The `sync` key when it is active (it names a leader) and not left behind by a later
    /// promotion. It is in force even when its leader is not the node that started the newest
    /// timeline: a sync standby writes the key just before it promotes, and if it dies
    /// between the two, the key is the only record of who holds the acknowledged commits.
    /// That node was streaming the newest timeline; see [`Ctx::sync_key_superseded`] for a
    /// key whose leader is behind it.
    pub(super) fn sync_in_force(&self) -> Option<&Versioned<SyncState>> {
        self.cluster
            .sync_state()
            .filter(|s| !self.sync_key_superseded(&s.value))
    }

    /// A key left by an earlier leader after a promotion made while synchronous mode was off:
    /// the newest timeline in the history was started by a node outside the key (in
    /// synchronous mode a node writes itself into the key before it promotes), and the key's
    /// leader is known to be on an ended timeline. The commits that key protected were
    /// given up when synchronous mode was turned off; keeping it in force once the mode is
    /// back on bars the node that holds the newest WAL for good (seeds 454786 and 579932 of
    /// the simulator's full space). Patroni avoids the case by deleting the key when the mode
    /// is off; a leader that lost the DCS first cannot.
    pub(super) fn sync_key_superseded(&self, sync: &SyncState) -> bool {
        let history = &self.cluster.history;
        let Some(last) = history.0.iter().rev().find(|e| e.switch_lsn != 0) else {
            return false;
        };
        let (Some(promoted), Some(leader)) = (last.new_leader.as_deref(), sync.leader.as_deref())
        else {
            return false;
        };
        !sync.is_member(promoted)
            && self
                .timeline_of(leader)
                .is_some_and(|tl| tl <= last.timeline)
    }

    /// The timeline `name` is on: this node's own, a peer's answer, or its member key.
    pub(super) fn timeline_of(&self, name: &str) -> Option<u32> {
        if name == self.me() {
            return self.pg.timeline;
        }
        let answered = self
            .obs
            .peers
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.status.as_ref())
            .and_then(|s| s.timeline);
        answered.or_else(|| {
            self.cluster
                .members
                .iter()
                .find(|m| m.name == name)
                .and_then(|m| m.data.timeline)
        })
    }
}
