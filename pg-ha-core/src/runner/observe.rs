//! Observe: read the DCS, PostgreSQL and, when an election may happen, the peers; record
//! the facts the decision needs.

use super::facts;
use super::Runner;
use crate::dcs::Dcs;
use crate::decide::{DcsView, LocalRequest, Observation, PgView};
use crate::model::{Cluster, Member, Snapshot};
use crate::peers::{PeerReport, Peers};
use crate::postgres::Postgres;
use crate::time::Mono;

impl<D: Dcs + ?Sized, P: Postgres + ?Sized, N: Peers + ?Sized> Runner<D, P, N> {
    pub(super) async fn observe(&mut self) -> Observation {
        if self.facts.failsafe_confirmed_at.is_some() {
            // Riding on failsafe: confirm before the DCS read, which may hang for
            // retry_timeout, so that the fence is extended every cycle in time.
            self.refresh_failsafe().await;
        }
        let now = self.clock.now();
        let dcs = self.observe_dcs(now).await;
        let pg = self.observe_pg(now).await;
        let mut facts = self.facts.clone();
        facts.watchdog_unusable = self.watchdog.as_ref().is_some_and(|w| !w.usable());
        if let Some(cluster) = dcs.cluster() {
            facts::note_members_seen(&mut facts, cluster, now);
        }
        if let Some(cluster) = dcs.cluster() {
            facts::track_leaderless(&mut facts, cluster, now);
        }
        if let PgView::Known(status) = &pg {
            facts::track_wal_progress(&mut facts, status, now);
            facts::track_sync_names(&mut facts, status);
        }
        if let (PgView::Known(status), Some(cluster)) = (&pg, dcs.cluster()) {
            facts::track_primary_down(&mut facts, &self.node.name, cluster, status, now);
            if let Some(leader) = cluster.leader_name() {
                facts.last_leader = Some(leader.to_string());
            }
        }
        let peers = self.observe_peers(&dcs, &pg).await;
        let mut obs = Observation {
            now,
            wall: self.clock.wall(),
            dcs,
            pg,
            peers,
            facts,
        };
        self.observe_failsafe(&mut obs).await;
        obs
    }

    pub(super) async fn observe_dcs(&mut self, now: Mono) -> DcsView {
        match self.bounded(self.dcs.read_recent()).await {
            Ok(snapshot) => {
                let cluster = self.parse_snapshot(snapshot);
                self.apply_config(&cluster);
                self.dcs_down_since = None;
                if cluster.leader.is_some() {
                    self.led_members = cluster.members.clone();
                }
                self.last_cluster = Some(cluster.clone());
                DcsView::Available(cluster)
            }
            Err(e) => {
                let since = *self.dcs_down_since.get_or_insert(now);
                tracing::warn!(node = %self.node.name, "DCS read failed: {e}");
                DcsView::Unreachable {
                    since,
                    last_known: self.last_cluster.clone(),
                }
            }
        }
    }

    /// The cluster in `snapshot`; parsed (and malformed values logged) only when the
    /// snapshot differs from the last one.
    pub(super) fn parse_snapshot(&mut self, snapshot: Snapshot) -> Cluster {
        if let (Some(last), Some(cluster)) = (&self.last_snapshot, &self.last_cluster) {
            if *last == snapshot {
                return cluster.clone();
            }
        }
        let previous = self.last_snapshot.as_ref().zip(self.last_cluster.as_ref());
        let (cluster, errors) = Cluster::from_snapshot_after(&snapshot, previous);
        for e in &errors {
            tracing::warn!(key = %e.key, "ignoring malformed DCS value: {}", e.reason);
        }
        self.last_snapshot = Some(snapshot);
        cluster
    }

    pub(super) fn apply_config(&mut self, cluster: &Cluster) {
        let Some(entry) = &cluster.config else { return };
        if entry.parsed == self.dynamic {
            return;
        }
        match entry.parsed.validate() {
            Ok(()) => self.dynamic = entry.parsed.clone(),
            Err(e) => tracing::warn!("keeping the last good dynamic config: {e}"),
        }
    }

    pub(super) async fn observe_pg(&mut self, now: Mono) -> PgView {
        match self.pg.status().await {
            Ok(status) => {
                self.pg_unknown_since = None;
                self.last_pg = Some(status.clone());
                PgView::Known(status)
            }
            Err(e) => {
                tracing::warn!(node = %self.node.name, "PostgreSQL status failed: {e}");
                PgView::Unknown {
                    since: *self.pg_unknown_since.get_or_insert(now),
                }
            }
        }
    }

    /// Asks the other members about themselves when an election may happen: no leader (and
    /// PostgreSQL runs), or, as leader, a failover request to check or a shutdown to hand
    /// the key over.
    pub(super) async fn observe_peers(&self, dcs: &DcsView, pg: &PgView) -> Vec<PeerReport> {
        let Some(cluster) = dcs.cluster() else {
            return Vec::new();
        };
        let PgView::Known(status) = pg else {
            return Vec::new();
        };
        let me = self.node.name.as_str();
        let running = status.process == crate::postgres::ProcessState::Running;
        let election = cluster.leader.is_none() && running;
        let handing_over = cluster.is_leader(me)
            && (cluster.failover_request().is_some()
                || self.facts.request == Some(LocalRequest::Shutdown));
        if !(election || handing_over) {
            return Vec::new();
        }
        // All at once: an unreachable peer costs one timeout, not one per peer.
        let peers = self.election_peers(cluster);
        let asks = peers
            .iter()
            .filter(|m| m.name != me && m.data.api_url.is_some())
            .map(|member| async move {
                PeerReport {
                    name: member.name.clone(),
                    status: self.peers.status(member).await.ok(),
                }
            });
        futures_util::future::join_all(asks).await
    }

    /// The members to ask during an election: the current ones plus those of the last view
    /// that had a leader (Patroni's old_cluster), so a node whose key expired while it was cut
    /// off from the DCS is still asked; with failsafe_mode, also every node of the `failsafe`
    /// map (as Patroni): a primary riding on failsafe whose member key expired still answers
    /// that it runs, also to an agent that started since and never saw it lead.
    pub(super) fn election_peers(&self, cluster: &Cluster) -> Vec<Member> {
        let mut peers: Vec<Member> = cluster.members.clone();
        for m in &self.led_members {
            if !peers.iter().any(|p| p.name == m.name) {
                peers.push(m.clone());
            }
        }
        let map = cluster
            .failsafe
            .as_ref()
            .filter(|_| self.dynamic.failsafe_mode);
        for (name, api_url) in map.iter().flat_map(|m| m.0.iter()) {
            if !peers.iter().any(|p| &p.name == name) {
                peers.push(failsafe_member(name, api_url));
            }
        }
        peers
    }
}

/// A member known only from the `failsafe` map: its name and REST API.
fn failsafe_member(name: &str, api_url: &str) -> Member {
    let mut data = crate::model::MemberData::new(
        crate::model::MemberState::Running,
        crate::model::Role::Replica,
    );
    data.api_url = Some(api_url.to_string());
    Member {
        name: name.to_string(),
        version: 0,
        session: None,
        data,
    }
}
