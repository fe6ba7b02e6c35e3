//! Writing files in the data directory: atomically (temp file + rename), owned by the
//! PostgreSQL OS user, not readable by others.

use super::error::io_error;
use super::privileges::RunAs;
use pg_ha_core::PgError;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

/// Replaces `path` with `contents` (mode 0600, owned by `run_as`).
pub fn write_owned(path: &Path, contents: &str, run_as: &RunAs) -> Result<(), PgError> {
    write_owned_bytes(path, contents.as_bytes(), run_as)
}

/// Replaces `path` with the bytes `contents` (mode 0600, owned by `run_as`), synced.
pub fn write_owned_bytes(path: &Path, contents: &[u8], run_as: &RunAs) -> Result<(), PgError> {
    let mut tmp_name = path.as_os_str().to_os_string();
    tmp_name.push(".pg-ha-tmp");
    let tmp = Path::new(&tmp_name);
    let write = || -> std::io::Result<()> {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        run_as.chown(tmp)?;
        fs::rename(tmp, path)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(tmp);
        io_error("cannot write", path, e)
    })
}

/// Removes `path` if it exists.
pub fn remove_if_exists(path: &Path) -> Result<(), PgError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error("cannot remove", path, e)),
    }
}

/// Creates `dir` (and missing parents) with mode 0700, owned by `run_as`; an existing
/// directory gets that owner and mode.
pub fn create_data_dir(dir: &Path, run_as: &RunAs) -> Result<(), PgError> {
    let create = || -> std::io::Result<()> {
        if !dir.exists() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        run_as.chown(dir)
    };
    create().map_err(|e| io_error("cannot create the data directory", dir, e))
}

/// Removes everything inside `dir` (only for directories whose content the agent itself just
/// created, e.g. a failed clone).
pub fn clear_dir(dir: &Path) -> Result<(), PgError> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let removed = if path.is_dir() && !path.is_symlink() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        removed.map_err(|e| io_error("cannot remove", &path, e))?;
    }
    Ok(())
}

/// Removes every entry of `dir` that is a directory (used to clean `pg_replslot`).
pub fn clear_subdirs(dir: &Path) -> Result<(), PgError> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            fs::remove_dir_all(&path).map_err(|e| io_error("cannot remove", &path, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_atomically() {
        let dir = tempfile::tempdir().expect("tempdir");
        let me = RunAs::unswitched();
        let p = dir.path().join("f.conf");
        write_owned(&p, "a = 1\n", &me).expect("writes");
        write_owned(&p, "a = 2\n", &me).expect("rewrites");
        assert_eq!(fs::read_to_string(&p).expect("reads"), "a = 2\n");
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&p).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        remove_if_exists(&p).expect("removes");
        remove_if_exists(&p).expect("idempotent");
    }
}
