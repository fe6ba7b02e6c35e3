//! Writing the managed configuration into the data directory: `postgresql.conf` (with the
//! recovery settings on a standby), `pg_hba.conf`, the signal files, and removing managed
//! settings from `postgresql.auto.conf`.

use super::auto_conf::sanitize_file;
use super::conf::{render, ConfContext, RecoveryConf, MARKER};
use super::error::io_error;
use super::fence::LeaseFile;
use super::files::{create_data_dir, remove_if_exists, write_owned};
use super::hba::{hba_text, ident_text};
use super::local::LocalPostgres;
use super::slot_name;
use pg_ha_core::postgres::Upstream;
use pg_ha_core::PgError;

impl LocalPostgres {
    /// The recovery settings for following `upstream`.
    pub(crate) fn recovery_for(&self, upstream: Option<&Upstream>) -> RecoveryConf {
        let slots = self.applied().use_slots;
        RecoveryConf {
            upstream: upstream.cloned(),
            slot: match upstream.and_then(|u| u.remote.as_ref()) {
                Some(remote) => remote.slot.clone(),
                None => (slots && upstream.is_some()).then(|| slot_name(&self.settings.name)),
            },
        }
    }

    /// Moves a `postgresql.conf` the agent did not write to `postgresql.base.conf`, once.
    fn ensure_base_conf(&self) -> Result<(), PgError> {
        let conf = self.paths.conf();
        let base = self.paths.base_conf();
        let text = std::fs::read_to_string(&conf).unwrap_or_default();
        let custom = self.settings.custom_conf.is_some();
        if custom || text.starts_with(MARKER) || base.exists() || !conf.exists() {
            return Ok(());
        }
        tracing::info!("moving postgresql.conf to postgresql.base.conf");
        std::fs::rename(&conf, &base).map_err(|e| io_error("cannot rename", &conf, e))
    }

    /// Renders `postgresql.conf`, and `pg_hba.conf` / `pg_ident.conf` when they are managed
    /// (see `hba.rs`), from the current state.
    pub(crate) fn write_config(&self) -> Result<(), PgError> {
        if !self.paths.config_dir.is_dir() {
            create_data_dir(&self.paths.config_dir, &self.run_as)?;
        }
        self.ensure_base_conf()?;
        let text = {
            let state = self.conf_state();
            let ctx = ConfContext {
                listen_addresses: self.listen.listen_addresses(),
                port: self.listen.port,
                scope: &self.settings.scope,
                member: &self.settings.name,
                replication: &self.settings.replication,
                default_socket_dir: &self.socket_dir,
                lease_file: LeaseFile::of(&self.settings.data_dir)
                    .path()
                    .display()
                    .to_string(),
                base_conf: self.settings.custom_conf.as_ref().map_or_else(
                    || "postgresql.base.conf".to_string(),
                    |c| c.display().to_string(),
                ),
                config_files: self.paths.separate_config().then(|| {
                    (
                        self.paths.hba().display().to_string(),
                        self.paths.ident().display().to_string(),
                    )
                }),
            };
            render(&state, &ctx)
        };
        write_owned(&self.paths.conf(), &text, &self.run_as)?;
        let current = std::fs::read_to_string(self.paths.hba()).ok();
        if let Some(hba) = hba_text(&self.pg_hba(), current.as_deref()) {
            write_owned(&self.paths.hba(), &hba, &self.run_as)?;
        }
        match ident_text(&self.pg_ident()) {
            Some(ident) => write_owned(&self.paths.ident(), &ident, &self.run_as),
            None if !self.paths.ident().exists() => {
                write_owned(&self.paths.ident(), "", &self.run_as)
            }
            None => Ok(()),
        }
    }

    /// Configures the data directory as a primary (`None`) or a standby: all config files and
    /// the signal files.
    pub(crate) fn configure(&self, recovery: Option<RecoveryConf>) -> Result<(), PgError> {
        let standby = recovery.is_some();
        self.conf_state().recovery = recovery;
        sanitize_file(&self.paths.auto_conf(), &self.run_as)?;
        self.write_config()?;
        if !standby && self.conf_state().archive_recovery.is_some() {
            return write_owned(&self.paths.recovery_signal(), "", &self.run_as);
        }
        remove_if_exists(&self.paths.recovery_signal())?;
        if standby {
            write_owned(&self.paths.standby_signal(), "", &self.run_as)
        } else {
            remove_if_exists(&self.paths.standby_signal())
        }
    }
}
