//! The lease file `<data_dir>.lease`: the write fence's deadline for the `pg_ha_lease`
//! PostgreSQL extension, as 8 bytes (CLOCK_MONOTONIC nanoseconds, native byte order; 0 = no
//! deadline). The extension maps the file in every backend and acknowledges no commit once
//! the deadline passed, even when the whole node was frozen and the guard with it. The file
//! is rewritten in place (never truncated or replaced), so every mapping sees each deadline;
//! it sits beside the data directory, so clones and pg_rewind do not carry it.

use crate::paths::DataPaths;
use std::fs::OpenOptions;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Bytes of a deadline.
const LEN: u64 = 8;

/// The lease file of one data directory.
#[derive(Debug, Clone)]
pub struct LeaseFile {
    path: PathBuf,
}

impl LeaseFile {
    /// The lease file of `data_dir`.
    pub fn of(data_dir: &Path) -> LeaseFile {
        LeaseFile {
            path: DataPaths::new(data_dir).sibling("lease"),
        }
    }

    /// Its path (`pg_ha_lease.file`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `deadline` (CLOCK_MONOTONIC ns; 0 = none) in place, creating the file
    /// (mode 0644, readable by PostgreSQL) when it is missing.
    pub fn write(&self, deadline: u64) -> std::io::Result<()> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o644)
            .open(&self.path)?;
        if file.metadata()?.len() < LEN {
            file.set_len(LEN)?;
        }
        file.write_all_at(&deadline.to_ne_bytes(), 0)
    }

    /// The deadline in the file, if it has one.
    pub fn read(&self) -> Option<u64> {
        let bytes = std::fs::read(&self.path).ok()?;
        let head: [u8; 8] = bytes.get(..8)?.try_into().ok()?;
        Some(u64::from_ne_bytes(head))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_in_place() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lease = LeaseFile::of(&dir.path().join("data"));
        assert_eq!(lease.read(), None);
        lease.write(42).expect("write");
        let inode =
            |p: &Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).expect("stat"));
        let first = inode(lease.path());
        lease.write(7).expect("write");
        assert_eq!(lease.read(), Some(7));
        assert_eq!(
            inode(lease.path()),
            first,
            "the same file, so mappings see it"
        );
        assert_eq!(lease.path(), dir.path().join("data.lease"));
    }
}
