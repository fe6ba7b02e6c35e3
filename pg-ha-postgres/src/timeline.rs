//! Timeline history files (`pg_wal/<TL>.history`).

use super::paths::DataPaths;
use pg_ha_core::Lsn;

/// Parses a history file: `(parent timeline, switch LSN)` per line, oldest first.
pub fn parse_history(text: &str) -> Vec<(u32, Lsn)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut fields = l.split_whitespace();
            let tli = fields.next()?.parse().ok()?;
            let lsn = Lsn::parse_pg(fields.next()?)?;
            Some((tli, lsn))
        })
        .collect()
}

/// The history of `timeline` as found in the data directory (empty on timeline 1 or when the
/// file is missing).
pub fn read_history(paths: &DataPaths, timeline: u32) -> Vec<(u32, Lsn)> {
    if timeline <= 1 {
        return Vec::new();
    }
    std::fs::read_to_string(paths.timeline_history(timeline))
        .map(|t| parse_history(&t))
        .unwrap_or_default()
}

/// The history last read, kept while the same postmaster runs on the same timeline: a
/// history file never changes once written, and a rewind or reinit, which can bring another
/// file for the same timeline number, always comes with a new postmaster.
#[derive(Debug, Default)]
pub struct HistoryCache {
    last: std::sync::Mutex<Option<CachedHistory>>,
}

/// A history read for one postmaster pid and timeline.
#[derive(Debug)]
struct CachedHistory {
    pid: u32,
    timeline: u32,
    history: Vec<(u32, Lsn)>,
}

impl HistoryCache {
    /// The history of `timeline` for postmaster `pid`, read from disk only when either
    /// changed since the last non-empty read.
    pub fn get(&self, paths: &DataPaths, pid: u32, timeline: u32) -> Vec<(u32, Lsn)> {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = last.as_ref() {
            if hit.pid == pid && hit.timeline == timeline {
                return hit.history.clone();
            }
        }
        let history = read_history(paths, timeline);
        *last = (!history.is_empty()).then(|| CachedHistory {
            pid,
            timeline,
            history: history.clone(),
        });
        history
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines() {
        let text = "1\t0/3000148\tno recovery target specified\n\n2\t0/50000A0\tbefore 2026\n";
        let h = parse_history(text);
        assert_eq!(
            h,
            vec![
                (1, Lsn::parse_pg("0/3000148").expect("lsn")),
                (2, Lsn::parse_pg("0/50000A0").expect("lsn"))
            ]
        );
    }

    #[test]
    fn history_is_read_again_only_for_another_postmaster_or_timeline() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = DataPaths::new(dir.path());
        std::fs::create_dir_all(paths.pg_wal()).expect("pg_wal");
        let write = |text: &str| std::fs::write(paths.timeline_history(2), text).expect("write");
        let cache = HistoryCache::default();
        assert!(cache.get(&paths, 10, 2).is_empty(), "no file yet");
        write("1\t0/3000148\tfirst\n");
        let first = cache.get(&paths, 10, 2);
        assert_eq!(first.len(), 1);
        write("1\t0/4000000\tother branch\n");
        assert_eq!(cache.get(&paths, 10, 2), first, "same postmaster: cached");
        let other = cache.get(&paths, 11, 2);
        assert_eq!(other[0].1, Lsn::parse_pg("0/4000000").expect("lsn"));
    }
}
