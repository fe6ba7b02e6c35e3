//! initdb, with `bootstrap.initdb` options and the superuser's password passed through a
//! private password file.

use super::command::Tool;
use super::error::io_error;
use super::privileges::RunAs;
use super::settings::{Credentials, ToolOption};
use pg_ha_core::PgError;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// A file holding a password, readable only by the PostgreSQL user, removed on drop.
struct PasswordFile {
    path: PathBuf,
}

impl PasswordFile {
    fn create(password: &str, run_as: &RunAs) -> Result<PasswordFile, PgError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!("pg-ha-pw-{}-{nanos}", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)?;
            writeln!(f, "{password}")?;
            run_as.chown(&path)
        };
        write().map_err(|e| io_error("cannot write the password file", &path, e))?;
        Ok(PasswordFile { path })
    }
}

impl Drop for PasswordFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Runs initdb on the (empty) `data_dir`.
pub async fn initdb(
    program: &Path,
    data_dir: &Path,
    superuser: &Credentials,
    options: &[ToolOption],
    run_as: &RunAs,
) -> Result<(), PgError> {
    let mut tool = Tool::new(program)
        .arg("-D")
        .arg(data_dir)
        .arg(format!("--username={}", superuser.username));
    let pwfile = match &superuser.password {
        Some(pw) => Some(PasswordFile::create(pw, run_as)?),
        None => None,
    };
    if let Some(f) = &pwfile {
        tool = tool.arg(format!("--pwfile={}", f.path.display()));
    }
    for opt in options {
        tool = tool.arg(opt.to_arg());
    }
    tracing::info!(command = %tool.describe(), "initializing a new cluster");
    tool.run(run_as).await?;
    // initdb's pg_hba.conf trusts every local connection: the configured lines, or the
    // agent's loopback-only default, take its place when the configuration is written.
    let hba = data_dir.join("pg_hba.conf");
    std::fs::remove_file(&hba).map_err(|e| io_error("cannot remove", &hba, e))
}
