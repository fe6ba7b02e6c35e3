//! Which OS user PostgreSQL runs as. PostgreSQL refuses to run as root: when the agent runs as
//! root, every PostgreSQL binary and user command runs as an unprivileged user (`run_as`,
//! default `postgres`), and every file the agent writes in the data directory is given to it.

use super::error::SetupError;
use nix::unistd::{Uid, User};
use std::path::{Path, PathBuf};

/// The default user when the agent runs as root.
pub const DEFAULT_RUN_AS: &str = "postgres";

/// The OS identity for PostgreSQL processes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunAs {
    /// The user name.
    pub name: String,
    /// Its uid.
    pub uid: u32,
    /// Its primary gid.
    pub gid: u32,
    /// Its home directory.
    pub home: PathBuf,
    /// True when the agent must switch to this user (it runs as root).
    pub switch: bool,
}

impl RunAs {
    /// Resolves the identity: `run_as` (default `postgres`) when running as root, else the
    /// current user (and `run_as`, if given, must name it).
    pub fn resolve(run_as: Option<&str>) -> Result<RunAs, SetupError> {
        let euid = Uid::effective();
        if euid.is_root() {
            let name = run_as.unwrap_or(DEFAULT_RUN_AS);
            if name == "root" {
                return Err(SetupError::Privileges(
                    "postgresql.run_as must not be root: PostgreSQL refuses to run as root"
                        .to_string(),
                ));
            }
            return lookup(name).map(|u| from_user(u, true));
        }
        let me = User::from_uid(euid)
            .ok()
            .flatten()
            .ok_or_else(|| SetupError::Privileges(format!("uid {euid} has no passwd entry")))?;
        if let Some(wanted) = run_as.filter(|w| *w != me.name) {
            return Err(SetupError::Privileges(format!(
                "postgresql.run_as is {wanted:?} but the agent runs as {:?} and is not root, so it cannot switch user",
                me.name
            )));
        }
        Ok(from_user(me, false))
    }

    /// Applies the identity and its environment to a command about to be spawned.
    pub fn apply(&self, cmd: &mut tokio::process::Command) {
        self.apply_std(cmd.as_std_mut());
    }

    /// Applies the identity to a `std` command.
    pub fn apply_std(&self, cmd: &mut std::process::Command) {
        use std::os::unix::process::CommandExt;
        if self.switch {
            cmd.uid(self.uid).gid(self.gid);
        }
        cmd.env("HOME", &self.home)
            .env("USER", &self.name)
            .env("LOGNAME", &self.name)
            .current_dir("/");
    }

    /// Gives `path` to this user (a no-op when not switching users).
    pub fn chown(&self, path: &Path) -> std::io::Result<()> {
        if self.switch {
            std::os::unix::fs::chown(path, Some(self.uid), Some(self.gid))?;
        }
        Ok(())
    }

    /// Gives `path` and everything below it to this user (no symlinks followed).
    pub fn chown_tree(&self, path: &Path) -> std::io::Result<()> {
        if !self.switch {
            return Ok(());
        }
        std::os::unix::fs::lchown(path, Some(self.uid), Some(self.gid))?;
        let meta = std::fs::symlink_metadata(path)?;
        if meta.is_dir() {
            for entry in std::fs::read_dir(path)? {
                self.chown_tree(&entry?.path())?;
            }
        }
        Ok(())
    }
}

fn lookup(name: &str) -> Result<User, SetupError> {
    User::from_name(name)
        .ok()
        .flatten()
        .ok_or_else(|| SetupError::UnknownUser(name.to_string()))
}

#[cfg(test)]
impl RunAs {
    /// The current user without switching (for tests of code that runs commands).
    pub(crate) fn unswitched() -> RunAs {
        RunAs {
            name: "me".into(),
            uid: 0,
            gid: 0,
            home: "/".into(),
            switch: false,
        }
    }
}

fn from_user(u: User, switch: bool) -> RunAs {
    RunAs {
        name: u.name,
        uid: u.uid.as_raw(),
        gid: u.gid.as_raw(),
        home: u.dir,
        switch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_user_is_named() {
        if !Uid::effective().is_root() {
            return;
        }
        let err = RunAs::resolve(Some("no-such-user-pgha")).expect_err("must fail");
        assert!(err.to_string().contains("no-such-user-pgha"), "{err}");
        assert!(RunAs::resolve(Some("root")).is_err());
    }
}
