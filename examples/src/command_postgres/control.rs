//! The `Postgres` trait over the commands and the SQL session.

use super::CommandPostgres;
use async_trait::async_trait;
use pg_ha_core::config::{LocalServerConfig, PostgresqlDynamic, ServerConfig};
use pg_ha_core::postgres::{PgStatus, Postgres, SlotSpec, StopMode, SyncStandbyNames, Upstream};
use pg_ha_core::time::Mono;
use pg_ha_core::{Lsn, PgError};

#[async_trait]
impl Postgres for CommandPostgres {
    async fn status(&self) -> Result<PgStatus, PgError> {
        self.observe().await
    }

    async fn bootstrap(&self) -> Result<String, PgError> {
        self.run("bootstrap", &self.settings.commands.bootstrap, &[])
            .await?;
        self.remember_upstream(None);
        self.after_start().await;
        let status = self.observe().await?;
        status
            .sysid()
            .map(str::to_string)
            .ok_or_else(|| PgError::Setup("bootstrapped, but no system identifier".into()))
    }

    async fn clone_replica(&self, source: &Upstream) -> Result<(), PgError> {
        let conninfo = self.source(source, &self.settings.replication, false)?;
        let env = [("PGHA_SOURCE", conninfo.as_str())];
        self.run("clone", &self.settings.commands.clone, &env)
            .await
            .map(drop)
    }

    async fn start_primary(&self) -> Result<(), PgError> {
        self.run("start_primary", &self.settings.commands.start_primary, &[])
            .await?;
        self.remember_upstream(None);
        self.after_start().await;
        Ok(())
    }

    async fn start_standby(&self, upstream: Option<&Upstream>) -> Result<(), PgError> {
        let conninfo = self.primary_conninfo(upstream)?;
        let env = [("PGHA_PRIMARY_CONNINFO", conninfo.as_str())];
        self.run("start_standby", &self.settings.commands.start_standby, &env)
            .await?;
        self.remember_upstream(upstream);
        self.after_start().await;
        Ok(())
    }

    async fn stop(&self, mode: StopMode) -> Result<(), PgError> {
        let stop = &self.settings.commands.stop;
        match mode {
            StopMode::Fast => self.run("stop", stop, &[("PGHA_STOP_MODE", "fast")]).await,
            StopMode::Immediate => {
                self.run("stop", stop, &[("PGHA_STOP_MODE", "immediate")])
                    .await
            }
            StopMode::FastOrKill { after } => {
                let fast = self.run("stop", stop, &[("PGHA_STOP_MODE", "fast")]);
                match tokio::time::timeout(after, fast).await {
                    Ok(done) => done,
                    Err(_) => {
                        self.run("stop", stop, &[("PGHA_STOP_MODE", "immediate")])
                            .await
                    }
                }
            }
        }
        .map(drop)
    }

    async fn promote(&self, above_timeline: u32) -> Result<(), PgError> {
        let timeline = self.observe().await?.timeline.unwrap_or(0);
        if timeline < above_timeline {
            return Err(PgError::InvalidState(format!(
                "promoting timeline {timeline} would reuse a number up to {above_timeline}: \
                 this controller cannot choose the new timeline's number"
            )));
        }
        self.run("promote", &self.settings.commands.promote, &[])
            .await?;
        self.remember_upstream(None);
        Ok(())
    }

    async fn follow(&self, upstream: Option<&Upstream>) -> Result<(), PgError> {
        // primary_conninfo is written by the start command: follow by a restart.
        self.stop(StopMode::Fast).await?;
        self.start_standby(upstream).await
    }

    async fn rewind(&self, source: &Upstream) -> Result<(), PgError> {
        let conninfo = self.source(source, &self.settings.rewind, false)?;
        let env = [("PGHA_SOURCE", conninfo.as_str())];
        self.run("rewind", &self.settings.commands.rewind, &env)
            .await
            .map(drop)
    }

    async fn reinit(&self, source: &Upstream) -> Result<(), PgError> {
        let commands = &self.settings.commands;
        if self.holds("running", &commands.running).await? {
            self.stop(StopMode::Immediate).await?;
        }
        self.run("wipe", &commands.wipe, &[]).await?;
        self.clone_replica(source).await
    }

    async fn restart(&self) -> Result<(), PgError> {
        let standby = self.observe().await?.is_running_standby();
        self.stop(StopMode::Fast).await?;
        if standby {
            let upstream = self.remembered_upstream();
            self.start_standby(upstream.as_ref()).await
        } else {
            self.start_primary().await
        }
    }

    async fn set_sync_standby_names(&self, names: &SyncStandbyNames) -> Result<(), PgError> {
        let setting = ("synchronous_standby_names".to_string(), names.to_guc());
        self.alter_system(&[setting]).await
    }

    async fn create_slots(&self, slots: &[SlotSpec]) -> Result<(), PgError> {
        self.create(slots).await
    }

    async fn drop_slots(&self, names: &[String]) -> Result<(), PgError> {
        self.drop(names).await
    }

    async fn copy_logical_slots(&self, _: &Upstream, names: &[String]) -> Result<(), PgError> {
        Err(PgError::InvalidState(format!(
            "this controller does not copy logical slots ({})",
            names.join(", ")
        )))
    }

    async fn advance_slots(&self, slots: &[(String, Lsn)]) -> Result<(), PgError> {
        self.advance(slots).await
    }

    async fn apply_config(&self, config: &PostgresqlDynamic) -> Result<(), PgError> {
        let commands = &self.settings.commands;
        if !self.holds("running", &commands.running).await? {
            self.keep_pending(config);
            return Ok(());
        }
        self.alter_system(&server_parameters(config)).await
    }

    /// No fence: the agent's own demotion is the only guard (see the module docs).
    async fn set_write_fence(&self, _: Option<Mono>) -> Result<(), PgError> {
        Ok(())
    }
}

impl CommandPostgres {
    /// Applies the parameters that arrived while the server was down.
    async fn after_start(&self) {
        if let Some(config) = self.take_pending() {
            if let Err(e) = self.alter_system(&server_parameters(&config)).await {
                eprintln!("applying the configuration after the start: {e}");
                self.keep_pending(&config);
            }
        }
    }
}

/// The parameters pg-ha would write for `config`: the dynamic ones without those the agent
/// sets itself, and the cluster-wide ones always.
fn server_parameters(config: &PostgresqlDynamic) -> Vec<(String, String)> {
    let (server, _) = ServerConfig::effective(config, &LocalServerConfig::default());
    server.parameters.into_iter().collect()
}
