//! Running a PostgreSQL tool or user command as the PostgreSQL OS user, with its output
//! captured and an optional timeout.

use super::error::command_failed;
use super::privileges::RunAs;
use pg_ha_core::PgError;
use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

/// The output of a successful command.
#[derive(Debug, Clone, Default)]
pub struct ToolOutput {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// A command to run once.
#[derive(Debug, Clone)]
pub struct Tool {
    program: OsString,
    label: String,
    args: Vec<OsString>,
    envs: Vec<(String, String)>,
    timeout: Option<Duration>,
}

impl Tool {
    /// A command running `program`.
    pub fn new(program: impl AsRef<OsStr>) -> Tool {
        let program = program.as_ref().to_os_string();
        let label = Path::new(&program)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| program.to_string_lossy().into_owned());
        Tool {
            program,
            label,
            args: Vec::new(),
            envs: Vec::new(),
            timeout: None,
        }
    }

    /// A user command line, split on whitespace (Patroni splits with shlex; quoting is not
    /// supported here). `None` when the line is empty.
    pub fn from_command_line(line: &str) -> Option<Tool> {
        let mut words = line.split_whitespace();
        let mut tool = Tool::new(words.next()?);
        for w in words {
            tool = tool.arg(w);
        }
        Some(tool)
    }

    /// Appends an argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Tool {
        self.args.push(arg.as_ref().to_os_string());
        self
    }

    /// Appends arguments.
    pub fn args<A: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = A>) -> Tool {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Tool {
        self.envs.push((key.to_string(), value.to_string()));
        self
    }

    /// Sets `PGPASSWORD` when a password is given.
    pub fn password(self, password: Option<&str>) -> Tool {
        match password {
            Some(p) => self.env("PGPASSWORD", p),
            None => self,
        }
    }

    /// Runs in the C locale so that the output can be parsed.
    pub fn c_locale(self) -> Tool {
        self.env("LC_ALL", "C").env("LANG", "C")
    }

    /// Kills the command when it runs longer than `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Tool {
        self.timeout = Some(timeout);
        self
    }

    /// The command line, for logs.
    pub fn describe(&self) -> String {
        let mut s = self.program.to_string_lossy().into_owned();
        for a in &self.args {
            s.push(' ');
            s.push_str(&a.to_string_lossy());
        }
        s
    }

    fn command(&self, run_as: &RunAs) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(&self.program);
        cmd.args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        run_as.apply(&mut cmd);
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs the command to completion; a non-zero exit is `CommandFailed` with its stderr.
    pub async fn run(&self, run_as: &RunAs) -> Result<ToolOutput, PgError> {
        tracing::debug!(command = %self.describe(), "running");
        let child = self
            .command(run_as)
            .spawn()
            .map_err(|e| command_failed(&self.label, format!("cannot start: {e}")))?;
        let output = match self.timeout {
            Some(t) => tokio::time::timeout(t, child.wait_with_output())
                .await
                .map_err(|_| command_failed(&self.label, format!("timed out after {t:?}")))?,
            None => child.wait_with_output().await,
        }
        .map_err(|e| command_failed(&self.label, e))?;
        let out = ToolOutput {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        if output.status.success() {
            return Ok(out);
        }
        Err(command_failed(
            &self.label,
            format!("{}: {}", output.status, tail(&out, 20)),
        ))
    }
}

/// The last `lines` lines of stderr (stdout when stderr is empty).
fn tail(out: &ToolOutput, lines: usize) -> String {
    let text = if out.stderr.trim().is_empty() {
        &out.stdout
    } else {
        &out.stderr
    };
    let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    all[all.len().saturating_sub(lines)..].join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> RunAs {
        RunAs::unswitched()
    }

    #[tokio::test]
    async fn captures_output_and_failure() {
        let ok = Tool::new("sh")
            .arg("-c")
            .arg("echo hi; echo warn >&2")
            .run(&me())
            .await
            .expect("runs");
        assert_eq!(ok.stdout.trim(), "hi");
        let err = Tool::new("sh")
            .arg("-c")
            .arg("echo broken >&2; exit 3")
            .run(&me())
            .await
            .expect_err("fails");
        assert!(err.to_string().contains("broken"), "{err}");
    }

    #[tokio::test]
    async fn times_out() {
        let err = Tool::new("sleep")
            .arg("5")
            .timeout(Duration::from_millis(100))
            .run(&me())
            .await
            .expect_err("times out");
        assert!(err.to_string().contains("timed out"), "{err}");
    }

    #[test]
    fn splits_command_lines() {
        let t = Tool::from_command_line("/bin/echo  a b").expect("non-empty");
        assert_eq!(t.describe(), "/bin/echo a b");
        assert!(Tool::from_command_line("  ").is_none());
    }
}
