//! Creating a replica's data directory from a running member: `create_replica_methods` in
//! order (pg_basebackup by default, or user commands with Patroni's arguments).

use super::basebackup::{replication_conninfo, BaseBackup};
use super::command::Tool;
use super::conninfo::Endpoint;
use super::error::command_failed;
use super::files::{clear_dir, create_data_dir};
use super::local::LocalPostgres;
use super::paths::DataPaths;
use super::settings::ReplicaMethod;
use pg_ha_core::postgres::Upstream;
use pg_ha_core::PgError;
use std::path::Path;

impl ReplicaMethod {
    fn label(&self) -> &str {
        match self {
            ReplicaMethod::Basebackup => "basebackup",
            ReplicaMethod::Custom { name, .. } => name,
        }
    }

    fn keeps_data(&self) -> bool {
        matches!(
            self,
            ReplicaMethod::Custom {
                keep_data: true,
                ..
            }
        )
    }
}

/// The host and port of `source`.
pub(crate) fn endpoint(source: &Upstream) -> Result<Endpoint, PgError> {
    Endpoint::from_url(&source.conn_url).ok_or_else(|| {
        PgError::Setup(format!(
            "member {} has an unusable conn_url {:?}",
            source.name, source.conn_url
        ))
    })
}

impl LocalPostgres {
    /// Clones `source` into the empty data directory and configures it as a standby of
    /// `source` (not started).
    pub(crate) async fn clone_locked(&self, source: &Upstream) -> Result<(), PgError> {
        self.prepare_clone()?;
        self.clone_into(&self.paths.data_dir, source).await?;
        self.after_clone(source)
    }

    /// Runs the replica methods in order into `dir` until one leaves a cluster there.
    pub(crate) async fn clone_into(&self, dir: &Path, source: &Upstream) -> Result<(), PgError> {
        let ep = endpoint(source)?;
        let methods = self.methods_for(source)?;
        self.run_methods(&methods, dir, Some(&ep), "create replica")
            .await?;
        tracing::info!(source = %source.name, "cloned");
        Ok(())
    }

    /// Runs `methods` in order into `dir` (copying `source`, or without one) until one leaves
    /// a cluster there; a failed method's leftovers are wiped unless it keeps its data.
    async fn run_methods(
        &self,
        methods: &[ReplicaMethod],
        dir: &Path,
        source: Option<&Endpoint>,
        what: &str,
    ) -> Result<(), PgError> {
        let mut failures = Vec::new();
        for method in methods {
            match self.run_replica_method(method, dir, source).await {
                Ok(()) if DataPaths::new(dir).is_initialized() => {
                    tracing::info!(method = method.label(), "{what}: done");
                    return Ok(());
                }
                Ok(()) => failures.push(format!("{}: left no cluster", method.label())),
                Err(e) => failures.push(format!("{}: {e}", method.label())),
            }
            tracing::warn!(method = method.label(), "{what}: {}", failures.join("; "));
            if !method.keeps_data() {
                clear_dir(dir)?;
            }
        }
        Err(command_failed(
            what,
            if failures.is_empty() {
                "no replica method to run".to_string()
            } else {
                failures.join("; ")
            },
        ))
    }

    /// The methods that copy `source`: a standby cluster's own `create_replica_methods` for
    /// its remote (each `basebackup` or a method of `postgresql.create_replica_methods`),
    /// else the node's.
    fn methods_for(&self, source: &Upstream) -> Result<Vec<ReplicaMethod>, PgError> {
        let names = source
            .remote
            .as_ref()
            .map(|r| r.methods.as_slice())
            .unwrap_or(&[]);
        if names.is_empty() {
            return Ok(self.settings.create_replica_methods.clone());
        }
        names
            .iter()
            .map(|name| match name.as_str() {
                "basebackup" => Ok(ReplicaMethod::Basebackup),
                other => self
                    .settings
                    .create_replica_methods
                    .iter()
                    .find(|m| m.label() == other)
                    .cloned()
                    .ok_or_else(|| {
                        PgError::Setup(format!(
                            "standby_cluster.create_replica_methods names {other}, which is \
                             not among postgresql.create_replica_methods"
                        ))
                    }),
            })
            .collect()
    }

    /// Checks that PostgreSQL is stopped and the data directory empty, and creates it.
    fn prepare_clone(&self) -> Result<(), PgError> {
        self.adopt_running();
        if self.postmaster.pid().is_some() {
            return Err(PgError::InvalidState(
                "cannot clone while PostgreSQL runs".into(),
            ));
        }
        self.require_empty("clone")?;
        create_data_dir(&self.paths.data_dir, &self.run_as)?;
        Ok(())
    }

    /// Creates the replica with the `no_leader` methods, in order, into the empty data
    /// directory, and configures it as a standby without an upstream (not started).
    pub(crate) async fn clone_without_leader_locked(&self) -> Result<(), PgError> {
        self.prepare_clone()?;
        let dir = &self.paths.data_dir;
        let methods: Vec<ReplicaMethod> = self
            .settings
            .create_replica_methods
            .iter()
            .filter(|m| {
                matches!(
                    m,
                    ReplicaMethod::Custom {
                        no_leader: true,
                        ..
                    }
                )
            })
            .cloned()
            .collect();
        self.run_methods(&methods, dir, None, "create replica without a leader")
            .await?;
        self.remember_sysid(None);
        self.run_as
            .chown(dir)
            .map_err(|e| super::error::io_error("cannot chown", dir, e))?;
        self.configure(Some(self.recovery_for(None)))
    }

    async fn run_replica_method(
        &self,
        method: &ReplicaMethod,
        dir: &Path,
        source: Option<&Endpoint>,
    ) -> Result<(), PgError> {
        match (method, source) {
            (ReplicaMethod::Basebackup, None) => Err(PgError::Setup(
                "pg_basebackup needs a server to copy".into(),
            )),
            (ReplicaMethod::Basebackup, Some(ep)) => {
                BaseBackup {
                    program: &self.settings.program("pg_basebackup"),
                    source: ep,
                    replication: &self.settings.replication,
                    member: &self.settings.name,
                    options: &self.settings.basebackup,
                }
                .run(dir, &self.run_as)
                .await
            }
            (custom, source) => self.run_custom(custom, dir, source).await,
        }
    }

    /// Runs a custom method with `--scope --role=replica --datadir`, `--connstring` when
    /// there is a source, and its own keys as `--key=value` (none of them with
    /// `no_params`).
    async fn run_custom(
        &self,
        method: &ReplicaMethod,
        dir: &Path,
        source: Option<&Endpoint>,
    ) -> Result<(), PgError> {
        let ReplicaMethod::Custom {
            command,
            no_params,
            params,
            ..
        } = method
        else {
            return Err(PgError::Setup("not a custom replica method".into()));
        };
        let mut tool = Tool::from_command_line(command)
            .ok_or_else(|| PgError::Setup("a replica method has an empty command".into()))?;
        if !no_params {
            tool = tool
                .arg(format!("--scope={}", self.settings.scope))
                .arg("--role=replica")
                .arg(format!("--datadir={}", dir.display()));
            if let Some(ep) = source {
                let conn =
                    replication_conninfo(ep, &self.settings.replication, &self.settings.name);
                tool = tool.arg(format!("--connstring={conn}"));
            }
            for (key, value) in params {
                tool = tool.arg(format!("--{key}={value}"));
            }
        }
        tool.password(self.settings.replication.password.as_deref())
            .run(&self.run_as)
            .await
            .map(|_| ())
    }

    /// A fresh copy must never start as a second primary: it is configured as a standby of
    /// its source right away.
    pub(crate) fn after_clone(&self, source: &Upstream) -> Result<(), PgError> {
        self.remember_sysid(None);
        self.run_as
            .chown(&self.paths.data_dir)
            .map_err(|e| super::error::io_error("cannot chown", &self.paths.data_dir, e))?;
        self.configure(Some(self.recovery_for(Some(source))))
    }
}
