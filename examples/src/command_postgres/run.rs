//! Running one of the commands through the prefix, with its environment.

use super::CommandPostgres;
use pg_ha_core::PgError;
use tokio::process::Command;

impl CommandPostgres {
    /// Runs the command `which` (its name, for errors) with extra environment `env`;
    /// returns its standard output, or `CommandFailed` with its error output.
    pub(super) async fn run(
        &self,
        which: &str,
        script: &str,
        env: &[(&str, &str)],
    ) -> Result<String, PgError> {
        let output = self
            .command(script, env)
            .output()
            .await
            .map_err(|e| PgError::Setup(format!("cannot run the `{which}` command: {e}")))?;
        if output.status.success() {
            return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(PgError::CommandFailed {
            command: which.to_string(),
            reason: format!("{} ({})", stderr.trim(), output.status),
        })
    }

    /// Runs a yes/no command: exit status 0 is yes; a command that cannot start is an error.
    pub(super) async fn holds(&self, which: &str, script: &str) -> Result<bool, PgError> {
        let status = self
            .command(script, &[])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .await
            .map_err(|e| PgError::Setup(format!("cannot run the `{which}` command: {e}")))?;
        Ok(status.success())
    }

    fn command(&self, script: &str, env: &[(&str, &str)]) -> Command {
        let prefix = &self.settings.prefix;
        let mut command = match prefix.split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args);
                c
            }
            None => Command::new("sh"),
        };
        if !prefix.is_empty() {
            command.arg("sh");
        }
        // The variables go in front of the script so that they cross any prefix (ssh,
        // docker exec and runuser do not pass the caller's environment on).
        let mut line = format!("PGHA_NAME={} ", shell_quote(&self.settings.name));
        for (key, value) in env {
            line.push_str(&format!("{key}={} ", shell_quote(value)));
        }
        line.push_str("exec sh -c ");
        line.push_str(&shell_quote(script));
        command.arg("-c").arg(line).kill_on_drop(true);
        command
    }
}

/// Quotes `text` for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn quotes_for_the_shell() {
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
