//! Timeline numbers taken by another branch, made visible to PostgreSQL for one promotion.
//!
//! At promotion PostgreSQL picks as its new timeline the first number after its recovery
//! target whose history file it cannot find (in the archive, else `pg_wal`). A standby still
//! on timeline 1 whose cluster already saw timeline 2 (the node that promoted died before the
//! others followed it) would pick 2 again: two branches with one number, which makes their
//! divergence invisible to pg_rewind and to the rejoin check. So before promoting, an empty
//! history file (a comment only) is placed in `pg_wal` for every taken number that has none,
//! and PostgreSQL skips past them. They stay after a successful promotion: a standby's WAL
//! receiver asks its new primary for the history file of every timeline between its own and
//! the primary's, and stops with "could not receive timeline history file" if one is
//! missing. They are removed if the promotion fails. A comment-only history does not name
//! any timeline as a parent, so a standby that rescans for a newer timeline never switches to
//! one of these numbers; it skips to the real newer timeline.

use super::paths::DataPaths;
use std::path::PathBuf;

/// The placeholder history files written for one promotion; removed on drop unless
/// [`TakenTimelines::keep`] was called.
pub(crate) struct TakenTimelines {
    files: Vec<PathBuf>,
}

impl TakenTimelines {
    /// Writes a placeholder for each timeline 2..=`above_timeline` whose history file is
    /// missing from `pg_wal`. A file that cannot be written is logged and skipped: the
    /// promotion still goes ahead (as it would without this protection).
    pub(crate) fn reserve(paths: &DataPaths, above_timeline: u32) -> TakenTimelines {
        let mut files = Vec::new();
        for timeline in 2..=above_timeline {
            let path = paths.timeline_history(timeline);
            if path.exists() {
                continue;
            }
            let text = format!(
                "# pg-ha: timeline {timeline} is taken by another branch of this cluster; \
                 this placeholder makes the promotion skip it\n"
            );
            match std::fs::write(&path, text) {
                Ok(()) => files.push(path),
                Err(e) => tracing::warn!("cannot write {}: {e}", path.display()),
            }
        }
        if !files.is_empty() {
            tracing::info!(
                above_timeline,
                "promoting above timeline {above_timeline}: {} timeline number(s) are taken \
                 by another branch",
                files.len()
            );
        }
        TakenTimelines { files }
    }
}

impl TakenTimelines {
    /// Keeps the placeholders (the promotion happened): standbys will ask for them.
    pub(crate) fn keep(mut self) {
        self.files.clear();
    }
}

impl Drop for TakenTimelines {
    fn drop(&mut self) {
        for path in &self.files {
            if let Err(e) = std::fs::remove_file(path) {
                tracing::warn!("cannot remove {}: {e}", path.display());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_placeholders_stay() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("pg_wal")).expect("pg_wal");
        let paths = DataPaths::new(dir.path());
        TakenTimelines::reserve(&paths, 2).keep();
        assert!(paths.timeline_history(2).exists());
    }

    #[test]
    fn writes_missing_placeholders_and_removes_them() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("pg_wal")).expect("pg_wal");
        let paths = DataPaths::new(dir.path());
        let real = "1\t0/3000000\tno recovery target specified\n";
        std::fs::write(paths.timeline_history(2), real).expect("real history");
        {
            let _taken = TakenTimelines::reserve(&paths, 4);
            assert_eq!(
                std::fs::read_to_string(paths.timeline_history(2)).expect("read"),
                real
            );
            let placeholder = std::fs::read_to_string(paths.timeline_history(3)).expect("3");
            assert!(placeholder.starts_with('#'));
            assert!(super::super::timeline::parse_history(&placeholder).is_empty());
            assert!(paths.timeline_history(4).exists());
            assert!(!paths.timeline_history(5).exists());
        }
        assert!(paths.timeline_history(2).exists(), "a real history is kept");
        assert!(!paths.timeline_history(3).exists());
        assert!(!paths.timeline_history(4).exists());
    }
}
