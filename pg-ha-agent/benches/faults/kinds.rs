//! The fault kinds the suite injects on the primary's node, and how each ends.

use crate::cluster::Cluster;
use anyhow::{Context, Result};
use serde_json::json;
use std::time::Duration;

/// One kind of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    /// kill -9 of the primary's agent and PostgreSQL; the node is restarted afterwards.
    KillNode,
    /// kill -9 of the primary's postmaster only.
    KillPostgres,
    /// SIGSTOP of the primary's agent for 2 x ttl.
    FreezeAgent,
    /// SIGSTOP of every process of the primary's node (a paused VM) for 2 x ttl.
    FreezeNode,
    /// The primary's node cut from every etcd member for 2 x ttl (clients and the other
    /// nodes still reach it).
    CutFromDcs,
    /// The primary's node cut from every other host (etcd, nodes, clients) for 2 x ttl.
    Isolate,
    /// Every etcd member frozen for 2 x ttl.
    DcsDown,
    /// kill -9 of etcd's raft leader, started again after 2 x ttl (2 of 3 members remain).
    EtcdMemberLost,
    /// A planned switchover to any replica.
    Switchover,
}

impl Kind {
    /// Every kind, in the order of the report.
    pub(crate) const ALL: [Kind; 9] = [
        Kind::KillNode,
        Kind::KillPostgres,
        Kind::FreezeAgent,
        Kind::FreezeNode,
        Kind::CutFromDcs,
        Kind::Isolate,
        Kind::DcsDown,
        Kind::EtcdMemberLost,
        Kind::Switchover,
    ];

    /// Its name in reports and in `FAULTS_KINDS`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::KillNode => "kill_node",
            Kind::KillPostgres => "kill_postgres",
            Kind::FreezeAgent => "freeze_agent",
            Kind::FreezeNode => "freeze_node",
            Kind::CutFromDcs => "cut_from_dcs",
            Kind::Isolate => "isolate",
            Kind::DcsDown => "dcs_down",
            Kind::EtcdMemberLost => "etcd_member",
            Kind::Switchover => "switchover",
        }
    }

    /// Injects the fault on `primary` and ends it (thaw, restart); returns when the fault
    /// is over, not when the cluster is healthy again.
    pub(crate) async fn inject(self, c: &Cluster, primary: &str) -> Result<()> {
        let node = c.node(primary);
        let hold = Duration::from_secs(2 * c.options().ttl);
        match self {
            Kind::KillNode => {
                node.kill9_agent_and_pg();
                tokio::time::sleep(hold).await;
                node.restart_agent()?;
            }
            Kind::KillPostgres => {
                node.kill9_pg_only()?;
            }
            Kind::FreezeAgent => {
                node.freeze_agent()?;
                tokio::time::sleep(hold).await;
                node.thaw_agent()?;
            }
            Kind::FreezeNode => {
                node.freeze_node(true);
                tokio::time::sleep(hold).await;
                node.freeze_node(false);
            }
            Kind::CutFromDcs | Kind::Isolate => {
                let network = c.options().network.as_deref().context("no test network")?;
                let etcds = network.hosts_named("etcd");
                let cut = |on: bool| match self {
                    Kind::Isolate => network.isolate(primary, on),
                    _ => etcds.iter().try_for_each(|e| network.cut(primary, e, on)),
                };
                cut(true)?;
                tokio::time::sleep(hold).await;
                cut(false)?;
            }
            Kind::DcsDown => {
                for etcd in c.etcd_members() {
                    etcd.pause(true)?;
                }
                tokio::time::sleep(hold).await;
                for etcd in c.etcd_members() {
                    etcd.pause(false)?;
                }
            }
            Kind::EtcdMemberLost => {
                let mut leader = None;
                for etcd in c.etcd_members() {
                    if etcd.is_leader().await.unwrap_or(false) {
                        leader = Some(etcd);
                    }
                }
                let leader = leader.context("no etcd member says it is the leader")?;
                leader.kill();
                tokio::time::sleep(hold).await;
                leader.restart().await?;
            }
            Kind::Switchover => switchover(c, primary).await?,
        }
        Ok(())
    }
}

/// Asks `primary` to switch over to any replica. A 412 (no healthy candidate yet: in
/// synchronous mode the new primary names its sync standby a cycle after the replicas
/// stream) is retried for up to 30 s, as an operator would.
async fn switchover(c: &Cluster, primary: &str) -> Result<()> {
    let body = json!({ "leader": primary }).to_string();
    let give_up = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (status, reply) = c
            .node(primary)
            .rest("POST", "/switchover", Some(&body))
            .await
            .context("POST /switchover")?;
        match status {
            200 => return Ok(()),
            412 if std::time::Instant::now() < give_up => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            _ => anyhow::bail!("switchover: {status} {reply}"),
        }
    }
}
