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
    /// The DCS frozen for 2 x ttl.
    DcsDown,
    /// A planned switchover to any replica.
    Switchover,
}

impl Kind {
    /// Every kind, in the order of the report.
    pub(crate) const ALL: [Kind; 6] = [
        Kind::KillNode,
        Kind::KillPostgres,
        Kind::FreezeAgent,
        Kind::FreezeNode,
        Kind::DcsDown,
        Kind::Switchover,
    ];

    /// Its name in reports and in `FAULTS_KINDS`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::KillNode => "kill_node",
            Kind::KillPostgres => "kill_postgres",
            Kind::FreezeAgent => "freeze_agent",
            Kind::FreezeNode => "freeze_node",
            Kind::DcsDown => "dcs_down",
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
            Kind::DcsDown => {
                c.etcd().pause(true)?;
                tokio::time::sleep(hold).await;
                c.etcd().pause(false)?;
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
