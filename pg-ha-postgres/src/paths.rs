//! Paths of the files inside a data directory that the agent reads or writes.

use std::path::{Path, PathBuf};

/// The data directory and the files in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataPaths {
    /// The data directory.
    pub data_dir: PathBuf,
    /// Where the configuration files live (`postgresql.config_dir`; else the data
    /// directory).
    pub config_dir: PathBuf,
}

impl DataPaths {
    /// Paths inside `data_dir`.
    pub fn new(data_dir: &Path) -> DataPaths {
        DataPaths {
            data_dir: data_dir.to_path_buf(),
            config_dir: data_dir.to_path_buf(),
        }
    }

    /// The same, with the configuration files in `config_dir` (if given).
    pub fn with_config_dir(mut self, config_dir: Option<&Path>) -> DataPaths {
        if let Some(dir) = config_dir {
            self.config_dir = dir.to_path_buf();
        }
        self
    }

    /// True when the configuration files live outside the data directory.
    pub fn separate_config(&self) -> bool {
        self.config_dir != self.data_dir
    }

    fn file(&self, name: &str) -> PathBuf {
        self.data_dir.join(name)
    }

    fn config_file(&self, name: &str) -> PathBuf {
        self.config_dir.join(name)
    }

    /// `postgresql.conf`, written by the agent.
    pub fn conf(&self) -> PathBuf {
        self.config_file("postgresql.conf")
    }

    /// `postgresql.base.conf`: initdb's original configuration, included by ours.
    pub fn base_conf(&self) -> PathBuf {
        self.config_file("postgresql.base.conf")
    }

    /// `postgresql.auto.conf` (ALTER SYSTEM).
    pub fn auto_conf(&self) -> PathBuf {
        self.file("postgresql.auto.conf")
    }

    /// `pg_hba.conf`.
    pub fn hba(&self) -> PathBuf {
        self.config_file("pg_hba.conf")
    }

    /// `pg_ident.conf`.
    pub fn ident(&self) -> PathBuf {
        self.config_file("pg_ident.conf")
    }

    /// The server's arguments naming its files: `-D data_dir`, and `-c config_file=...` when
    /// the configuration lives elsewhere.
    pub fn server_args(&self) -> Vec<std::ffi::OsString> {
        let mut args = vec!["-D".into(), self.data_dir.clone().into_os_string()];
        if self.separate_config() {
            args.push("-c".into());
            let mut file = std::ffi::OsString::from("config_file=");
            file.push(self.conf());
            args.push(file);
        }
        args
    }

    /// `standby.signal`.
    pub fn standby_signal(&self) -> PathBuf {
        self.file("standby.signal")
    }

    /// `recovery.signal`.
    pub fn recovery_signal(&self) -> PathBuf {
        self.file("recovery.signal")
    }

    /// `postmaster.pid`.
    pub fn pidfile(&self) -> PathBuf {
        self.file("postmaster.pid")
    }

    /// `backup_label`.
    pub fn backup_label(&self) -> PathBuf {
        self.file("backup_label")
    }

    /// `PG_VERSION`.
    pub fn pg_version(&self) -> PathBuf {
        self.file("PG_VERSION")
    }

    /// `global/pg_control`.
    pub fn pg_control(&self) -> PathBuf {
        self.data_dir.join("global").join("pg_control")
    }

    /// `pg_wal`.
    pub fn pg_wal(&self) -> PathBuf {
        self.file("pg_wal")
    }

    /// `pg_replslot`.
    pub fn pg_replslot(&self) -> PathBuf {
        self.file("pg_replslot")
    }

    /// `pg_wal/<TL>.history`.
    pub fn timeline_history(&self, timeline: u32) -> PathBuf {
        self.pg_wal().join(format!("{timeline:08X}.history"))
    }

    /// A sibling of the data directory: `<data_dir>.<suffix>`.
    pub fn sibling(&self, suffix: &str) -> PathBuf {
        let mut name = self.data_dir.as_os_str().to_os_string();
        name.push(".");
        name.push(suffix);
        PathBuf::from(name)
    }

    /// True when the data directory is missing or has no entries.
    pub fn is_empty(&self) -> bool {
        match std::fs::read_dir(&self.data_dir) {
            Ok(mut entries) => entries.next().is_none(),
            Err(_) => true,
        }
    }

    /// True when the data directory holds an initialized cluster.
    pub fn is_initialized(&self) -> bool {
        self.pg_version().is_file() && self.pg_control().is_file()
    }

    /// True when a standby or recovery signal file exists.
    pub fn has_recovery_signal(&self) -> bool {
        self.standby_signal().exists() || self.recovery_signal().exists()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_files() {
        let p = DataPaths::new(Path::new("/d/data"));
        assert_eq!(
            p.timeline_history(10),
            Path::new("/d/data/pg_wal/0000000A.history")
        );
        assert_eq!(p.sibling("new"), Path::new("/d/data.new"));
        assert!(p.is_empty());
    }
}
