//! `EtcdControl`: the REST API's `Control` for one test member, over a real etcd. DCS reads
//! and writes go to etcd; local commands (restart, reload, reinitialize) are recorded and
//! answered from a script.

use async_trait::async_trait;
use dcs_etcd::EtcdDcs;
use pg_ha_agent::rest::{Control, ScheduledRestart};
use pg_ha_core::dcs::{Dcs, DcsExt};
use pg_ha_core::model::{Cluster, Condition, DcsValue, Failover, Key, Member, Version};
use pg_ha_core::{DcsError, PeerStatus};
use serde_json::Value;
use std::sync::Mutex;
use std::time::Duration;

/// One member's control.
pub struct EtcdControl {
    dcs: EtcdDcs,
    /// Every local command received, e.g. `restart`, `reload`, `reinitialize force=true`.
    pub calls: Mutex<Vec<String>>,
    /// What `restart` answers.
    pub restart_result: Mutex<Result<(), String>>,
    /// The scheduled restart.
    pub scheduled: Mutex<Option<ScheduledRestart>>,
}

impl EtcdControl {
    /// A control writing through `dcs` (a client without a lease of its own).
    pub fn new(dcs: EtcdDcs) -> EtcdControl {
        EtcdControl {
            dcs,
            calls: Mutex::new(Vec::new()),
            restart_result: Mutex::new(Ok(())),
            scheduled: Mutex::new(None),
        }
    }

    /// The commands received so far.
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().expect("lock").clone()
    }

    fn record(&self, call: String) {
        self.calls.lock().expect("lock").push(call);
    }
}

#[async_trait]
impl Control for EtcdControl {
    async fn load_cluster(&self) -> Result<Cluster, DcsError> {
        self.dcs.load().await
    }

    async fn write_failover(&self, value: &Failover) -> Result<(), DcsError> {
        self.dcs
            .write(Key::Failover, &value.to_text(), Condition::Any)
            .await
            .map(|_| ())
    }

    async fn clear_failover(&self, version: Version) -> Result<bool, DcsError> {
        let written = self
            .dcs
            .write(Key::Failover, "{}", Condition::Version(version))
            .await?;
        Ok(written.is_some())
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
            .await?;
        Ok(written.is_some())
    }

    async fn member_status(&self, _member: &Member) -> Result<PeerStatus, String> {
        Ok(PeerStatus {
            is_primary: false,
            wal_position: None,
            timeline: Some(1),
            failover_priority: 1,
            watchdog_failed: false,
        })
    }

    async fn restart(&self, timeout: Option<Duration>) -> Result<(), String> {
        self.record(format!("restart timeout={timeout:?}"));
        self.restart_result.lock().expect("lock").clone()
    }

    async fn schedule_restart(&self, restart: ScheduledRestart) -> bool {
        let mut scheduled = self.scheduled.lock().expect("lock");
        if scheduled.is_some() {
            return false;
        }
        self.record(format!(
            "schedule restart at {}",
            restart.schedule.to_rfc3339()
        ));
        *scheduled = Some(restart);
        true
    }

    async fn cancel_scheduled_restart(&self) -> bool {
        self.record("cancel scheduled restart".into());
        self.scheduled.lock().expect("lock").take().is_some()
    }

    async fn reinitialize(&self, force: bool, from_leader: bool) -> Result<(), String> {
        self.record(format!(
            "reinitialize force={force} from_leader={from_leader}"
        ));
        Ok(())
    }

    async fn reload(&self) {
        self.record("reload".into());
    }

    fn failsafe_notice(&self, _leader: &str) {}

    fn wake(&self) {}
}
