//! `AgentControl`: the REST API's mutations, carried out on the DCS or sent to the loop.

use crate::agent::Command;
use crate::peers::HttpPeers;
use crate::rest::{Control, NodeView, ScheduledRestart};
use async_trait::async_trait;
use pg_ha_core::model::{Cluster, Condition, Failover, Key, Member, Version};
use pg_ha_core::{Dcs, DcsError, DcsExt, PeerStatus, Peers};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

/// REST mutations for one agent.
pub struct AgentControl {
    dcs: Arc<dyn Dcs>,
    peers: HttpPeers,
    commands: mpsc::UnboundedSender<Command>,
    state: watch::Receiver<Arc<NodeView>>,
}

impl AgentControl {
    /// Control over `dcs`, sending local requests to the loop through `commands` and reading
    /// what it published on `state` (both from the loop's [`crate::agent::AgentHandle`]).
    pub fn new(
        dcs: Arc<dyn Dcs>,
        peers: HttpPeers,
        handle: &crate::agent::AgentHandle,
    ) -> AgentControl {
        let commands = handle.commands.clone();
        let state = handle.state.clone();
        AgentControl {
            dcs,
            peers,
            commands,
            state,
        }
    }

    fn send(&self, command: Command) {
        if self.commands.send(command).is_err() {
            tracing::warn!("the agent loop has stopped; request dropped");
        }
    }
}

#[async_trait]
impl Control for AgentControl {
    async fn load_cluster(&self) -> Result<Cluster, DcsError> {
        self.dcs.load().await
    }

    async fn write_failover(&self, value: &Failover) -> Result<(), DcsError> {
        let text = serde_json::to_string(value).map_err(|e| DcsError::Rejected(e.to_string()))?;
        self.dcs.write(Key::Failover, &text, Condition::Any).await?;
        Ok(())
    }

    async fn clear_failover(&self, version: Version) -> Result<bool, DcsError> {
        Ok(self
            .dcs
            .write(Key::Failover, "{}", Condition::Version(version))
            .await?
            .is_some())
    }

    async fn write_config(
        &self,
        value: &Value,
        version: Option<Version>,
    ) -> Result<bool, DcsError> {
        let condition = version.map_or(Condition::Any, Condition::Version);
        let written = self
            .dcs
            .write(Key::Config, &value.to_string(), condition)
            .await?
            .is_some();
        if written {
            self.send(Command::Wake);
        }
        Ok(written)
    }

    async fn member_status(&self, member: &Member) -> Result<PeerStatus, String> {
        self.peers.status(member).await
    }

    async fn restart(&self, timeout: Option<Duration>) -> Result<(), String> {
        let limit = timeout.unwrap_or_else(|| self.state.borrow().dynamic.primary_start_timeout);
        let (done, outcome) = oneshot::channel();
        self.send(Command::Restart { done: Some(done) });
        match tokio::time::timeout(limit, outcome).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err("restart failed: the agent loop has stopped".into()),
            Err(_) => Err(format!(
                "restart is still in progress after {} s",
                limit.as_secs()
            )),
        }
    }

    async fn schedule_restart(&self, restart: ScheduledRestart) -> bool {
        let (reply, answer) = oneshot::channel();
        self.send(Command::ScheduleRestart {
            restart: restart.to_core(),
            reply,
        });
        answer.await.unwrap_or(false)
    }

    async fn cancel_scheduled_restart(&self) -> bool {
        let (reply, answer) = oneshot::channel();
        self.send(Command::CancelScheduledRestart { reply });
        answer.await.unwrap_or(false)
    }

    async fn reinitialize(&self, _force: bool, from_leader: bool) -> Result<(), String> {
        self.send(Command::Reinit { from_leader });
        Ok(())
    }

    async fn reload(&self) {
        self.send(Command::Reload);
    }

    fn failsafe_notice(&self, leader: &str) {
        self.send(Command::FailsafeNotice {
            leader: leader.to_string(),
        });
    }

    fn wake(&self) {
        self.send(Command::Wake);
    }
}
