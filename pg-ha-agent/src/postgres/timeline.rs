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
}
