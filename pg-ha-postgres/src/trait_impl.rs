//! `impl Postgres for LocalPostgres`: each operation takes the operation lock, so the runner,
//! REST requests and housekeeping never run two of them at once (`status` does not wait).

use super::lifecycle::Shutdown;
use super::local::LocalPostgres;
use async_trait::async_trait;
use pg_ha_core::config::PostgresqlDynamic;
use pg_ha_core::postgres::{PgStatus, SlotSpec, StopMode, SyncStandbyNames, Upstream, WriteFence};
use pg_ha_core::{Lsn, Mono, PgError, Postgres};

#[async_trait]
impl Postgres for LocalPostgres {
    async fn status(&self) -> Result<PgStatus, PgError> {
        self.status_impl().await
    }

    async fn bootstrap(&self) -> Result<String, PgError> {
        let _op = self.ops.lock().await;
        self.bootstrap_locked().await
    }

    async fn clone_replica(&self, source: &Upstream) -> Result<(), PgError> {
        let _op = self.ops.lock().await;
        self.clone_locked(source).await
    }

    async fn start_primary(&self) -> Result<(), PgError> {
        let _op = self.ops.lock().await;
        self.start_primary_locked().await
    }

    async fn start_standby(&self, upstream: Option<&Upstream>) -> Result<(), PgError> {
        let _op = self.ops.lock().await;
        self.start_standby_locked(upstream).await
    }

    async fn stop(&self, mode: StopMode) -> Result<(), PgError> {
        self.shutdown(Shutdown::from(mode)).await
    }

    async fn promote(&self, above_timeline: u32) -> Result<(), PgError> {
        let _op = self.ops.lock().await;
        self.promote_locked(above_timeline).await
    }

    async fn follow(&self, upstream: Option<&Upstream>) -> Result<(), PgError> {
        let _op = self.ops.lock().await;
        self.follow_locked(upstream).await
    }

    async fn clone_without_leader(&self) -> Result<(), PgError> {
        let _op = self.ops.lock().await;
        self.clone_without_leader_locked().await
    }

    async fn rewind(&self, source: &Upstream) -> Result<(), PgError> {
        let _op = self.ops.lock().await;
        self.rewind_locked(source).await
    }

    async fn reinit(&self, source: &Upstream) -> Result<(), PgError> {
        let _op = self.ops.lock().await;
        self.reinit_locked(source).await
    }

    async fn restart(&self) -> Result<(), PgError> {
        let _op = self.ops.lock().await;
        self.restart_locked().await
    }

    async fn set_sync_standby_names(&self, names: &SyncStandbyNames) -> Result<(), PgError> {
        let _op = self.ops.lock().await;
        self.set_sync_locked(names).await
    }

    async fn create_slots(&self, slots: &[SlotSpec]) -> Result<(), PgError> {
        let _op = self.ops.lock().await;
        self.create_slots_locked(slots).await
    }

    async fn drop_slots(&self, names: &[String]) -> Result<(), PgError> {
        let _op = self.ops.lock().await;
        self.drop_slots_locked(names).await
    }

    async fn copy_logical_slots(&self, source: &Upstream, names: &[String]) -> Result<(), PgError> {
        let _op = self.ops.lock().await;
        self.copy_logical_slots_locked(source, names).await
    }

    async fn advance_slots(&self, slots: &[(String, Lsn)]) -> Result<(), PgError> {
        let _op = self.ops.lock().await;
        self.advance_slots_locked(slots).await
    }

    async fn apply_config(&self, config: &PostgresqlDynamic) -> Result<(), PgError> {
        let _op = self.ops.lock().await;
        self.apply_config_locked(config).await
    }

    async fn set_write_fence(&self, deadline: Option<Mono>) -> Result<(), PgError> {
        self.fence.set(deadline)
    }

    async fn arm_write_fence(&self, fence: Option<WriteFence>) -> Result<(), PgError> {
        self.fence.arm(fence)
    }
}
