//! `FakeControl`: the REST API's `Control` over a `MemoryDcs`, with scripted peers and
//! local commands.

use async_trait::async_trait;
use pg_ha_agent::rest::{Control, ScheduledRestart};
use pg_ha_core::dcs::{Dcs, DcsExt};
use pg_ha_core::model::{Cluster, Condition, DcsValue, Failover, Key, Member, Version};
use pg_ha_core::{DcsError, MemoryDcs, PeerStatus};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// A healthy peer.
pub fn healthy() -> PeerStatus {
    PeerStatus {
        is_primary: false,
        wal_position: None,
        timeline: Some(1),
        failover_priority: 1,
        watchdog_failed: false,
    }
}

/// The fake.
pub struct FakeControl {
    /// The DCS client the REST API writes through.
    pub dcs: MemoryDcs,
    /// Peer answers by name (missing = healthy).
    pub peers: Mutex<BTreeMap<String, Result<PeerStatus, String>>>,
    /// Fail every write with a DCS error.
    pub fail_writes: AtomicBool,
    /// Change the key just before the next conditional write, so that its CAS fails.
    pub race_next_cas: AtomicBool,
    /// What `restart` answers.
    pub restart_result: Mutex<Result<(), String>>,
    /// Timeouts `restart` was called with.
    pub restarts: Mutex<Vec<Option<Duration>>>,
    /// The scheduled restart.
    pub scheduled: Mutex<Option<ScheduledRestart>>,
    /// What `reinitialize` answers, and its calls.
    pub reinit_result: Mutex<Result<(), String>>,
    /// `(force, from_leader)` of each reinitialize call.
    pub reinits: Mutex<Vec<(bool, bool)>>,
    /// Reload calls.
    pub reloads: AtomicUsize,
    /// Wake calls.
    pub wakes: AtomicUsize,
    /// Failsafe notices.
    pub notices: Mutex<Vec<String>>,
}

impl FakeControl {
    /// A fake writing through `dcs`.
    pub fn new(dcs: MemoryDcs) -> FakeControl {
        FakeControl {
            dcs,
            peers: Mutex::new(BTreeMap::new()),
            fail_writes: AtomicBool::new(false),
            race_next_cas: AtomicBool::new(false),
            restart_result: Mutex::new(Ok(())),
            restarts: Mutex::new(Vec::new()),
            scheduled: Mutex::new(None),
            reinit_result: Mutex::new(Ok(())),
            reinits: Mutex::new(Vec::new()),
            reloads: AtomicUsize::new(0),
            wakes: AtomicUsize::new(0),
            notices: Mutex::new(Vec::new()),
        }
    }

    fn check_writes(&self) -> Result<(), DcsError> {
        if self.fail_writes.load(Ordering::SeqCst) {
            return Err(DcsError::Unreachable("scripted failure".into()));
        }
        Ok(())
    }

    /// Rewrites `key` with its own value (a new version) if a race was asked for.
    async fn maybe_race(&self, key: Key) {
        if !self.race_next_cas.swap(false, Ordering::SeqCst) {
            return;
        }
        let snapshot = self.dcs.read().await.expect("read");
        let text = snapshot
            .get(key.path())
            .map(|e| e.value.clone())
            .unwrap_or_default();
        self.dcs
            .write(key, &text, Condition::Any)
            .await
            .expect("racing write");
    }
}

#[async_trait]
impl Control for FakeControl {
    async fn load_cluster(&self) -> Result<Cluster, DcsError> {
        self.dcs.load().await
    }

    async fn write_failover(&self, value: &Failover) -> Result<(), DcsError> {
        self.check_writes()?;
        self.dcs
            .write(Key::Failover, &value.to_text(), Condition::Any)
            .await
            .map(|_| ())
    }

    async fn clear_failover(&self, version: Version) -> Result<bool, DcsError> {
        self.check_writes()?;
        self.maybe_race(Key::Failover).await;
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
        self.check_writes()?;
        self.maybe_race(Key::Config).await;
        let condition = version.map_or(Condition::Any, Condition::Version);
        let written = self
            .dcs
            .write(Key::Config, &value.to_string(), condition)
            .await?;
        Ok(written.is_some())
    }

    async fn member_status(&self, member: &Member) -> Result<PeerStatus, String> {
        let peers = self.peers.lock().expect("lock");
        peers
            .get(&member.name)
            .cloned()
            .unwrap_or_else(|| Ok(healthy()))
    }

    async fn restart(&self, timeout: Option<Duration>) -> Result<(), String> {
        self.restarts.lock().expect("lock").push(timeout);
        self.restart_result.lock().expect("lock").clone()
    }

    async fn schedule_restart(&self, restart: ScheduledRestart) -> bool {
        let mut scheduled = self.scheduled.lock().expect("lock");
        if scheduled.is_some() {
            return false;
        }
        *scheduled = Some(restart);
        true
    }

    async fn cancel_scheduled_restart(&self) -> bool {
        self.scheduled.lock().expect("lock").take().is_some()
    }

    async fn reinitialize(&self, force: bool, from_leader: bool) -> Result<(), String> {
        self.reinits
            .lock()
            .expect("lock")
            .push((force, from_leader));
        self.reinit_result.lock().expect("lock").clone()
    }

    async fn reload(&self) {
        self.reloads.fetch_add(1, Ordering::SeqCst);
    }

    fn failsafe_notice(&self, leader: &str) {
        self.notices.lock().expect("lock").push(leader.to_string());
    }

    fn wake(&self) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
}
