//! pg_basebackup with WAL streaming, as the replication role.

use super::command::Tool;
use super::conninfo::{conninfo, Endpoint};
use super::privileges::RunAs;
use super::settings::{Credentials, ToolOption};
use pg_ha_core::PgError;
use std::path::Path;

/// The connection string of the replication role to `source`.
pub fn replication_conninfo(
    source: &Endpoint,
    repl: &Credentials,
    application_name: &str,
) -> String {
    let port = source.port.to_string();
    conninfo(&repl.with_options(&[
        ("host", source.host.as_str()),
        ("port", port.as_str()),
        ("user", repl.username.as_str()),
        ("dbname", "postgres"),
        ("application_name", application_name),
        ("connect_timeout", "5"),
    ]))
}

/// What pg_basebackup needs besides the target directory.
#[derive(Debug, Clone, Copy)]
pub struct BaseBackup<'a> {
    /// The pg_basebackup program.
    pub program: &'a Path,
    /// The member to copy.
    pub source: &'a Endpoint,
    /// The replication role.
    pub replication: &'a Credentials,
    /// This member's name.
    pub member: &'a str,
    /// `postgresql.basebackup` options.
    pub options: &'a [ToolOption],
}

impl BaseBackup<'_> {
    /// Copies the source into `target` (empty, owned by `run_as`).
    pub async fn run(&self, target: &Path, run_as: &RunAs) -> Result<(), PgError> {
        let mut tool = Tool::new(self.program)
            .arg("-D")
            .arg(target)
            .arg("--wal-method=stream")
            .arg("--no-password")
            .arg(format!(
                "--dbname={}",
                replication_conninfo(self.source, self.replication, self.member)
            ))
            .password(self.replication.password.as_deref());
        for opt in self
            .options
            .iter()
            .filter(|o| !matches!(o.name(), "wal-method" | "pgdata" | "dbname"))
        {
            tool = tool.arg(opt.to_arg());
        }
        tracing::info!(source = %format!("{}:{}", self.source.host, self.source.port), "pg_basebackup");
        tool.run(run_as).await.map(|_| ())
    }
}
