//! `Topology`: the primary and the healthy replicas of one cluster, as the DCS shows them.

use crate::model::{url_host_port, Cluster, Member, MemberState, Role, Tags};

/// One node an application may connect to.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The member's name.
    pub name: String,
    /// Its PostgreSQL connection URL (`conn_url` of its member key).
    pub conn_url: Option<String>,
    /// Its REST API URL.
    pub api_url: Option<String>,
    /// Its timeline, as it last published.
    pub timeline: Option<u32>,
    /// Bytes of WAL behind the primary's last published position (replicas; `None` when
    /// either position is unknown).
    pub lag: Option<u64>,
    /// Its tags (`noloadbalance`, `nofailover`, custom ones).
    pub tags: Tags,
}

impl Node {
    /// Host and port of [`Node::conn_url`] (port 5432 when the URL names none).
    pub fn host_port(&self) -> Option<(String, u16)> {
        let (host, port) = url_host_port(self.conn_url.as_deref()?)?;
        Some((host, port.unwrap_or(5432)))
    }

    fn of(member: &Member, optime: Option<u64>) -> Node {
        let data = &member.data;
        let lag = optime
            .zip(data.wal_position())
            .map(|(primary, mine)| primary.saturating_sub(mine));
        Node {
            name: member.name.clone(),
            conn_url: data.conn_url.clone(),
            api_url: data.api_url.clone(),
            timeline: data.timeline,
            lag,
            tags: data.tags.clone(),
        }
    }
}

/// The cluster as an application needs it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Topology {
    /// The DCS revision it was read at.
    pub revision: u64,
    /// The node holding the leader key, while its member key shows it running; `None`
    /// during a failover.
    pub primary: Option<Node>,
    /// The running replicas that take read traffic (not tagged `noloadbalance`), by name.
    pub replicas: Vec<Node>,
}

impl Topology {
    /// The topology of `cluster`.
    pub fn of(cluster: &Cluster) -> Topology {
        let leader = cluster.leader_name();
        let running = |m: &&Member| m.data.state == MemberState::Running;
        let optime = cluster
            .leader_member()
            .and_then(|m| m.data.wal_position())
            .max(cluster.status.optime);
        let primary = cluster
            .leader_member()
            .filter(running)
            .map(|m| Node::of(m, None));
        let mut replicas: Vec<Node> = cluster
            .members
            .iter()
            .filter(|m| Some(m.name.as_str()) != leader)
            .filter(running)
            .filter(|m| m.data.role == Role::Replica && !m.data.tags.noloadbalance())
            .map(|m| Node::of(m, optime))
            .collect();
        replicas.sort_by(|a, b| a.name.cmp(&b.name));
        Topology {
            revision: cluster.revision,
            primary,
            replicas,
        }
    }

    /// The replica with the least lag, if any (ties by name).
    pub fn least_lagging_replica(&self) -> Option<&Node> {
        self.replicas
            .iter()
            .min_by_key(|n| (n.lag.unwrap_or(u64::MAX), n.name.clone()))
    }
}
