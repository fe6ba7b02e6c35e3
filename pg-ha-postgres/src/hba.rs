//! `pg_hba.conf` and `pg_ident.conf` from the `pg_hba` / `pg_ident` lists (local over
//! dynamic). With no list at all, the files are not managed: an existing file the agent did
//! not write is kept as it is (Patroni's behaviour), and only a missing one, or one holding
//! the agent's own default, gets the loopback-only default.

use super::conf::MARKER;

/// Used when no `pg_hba` is set: password logins and replication from loopback.
const DEFAULT_HBA: [&str; 5] = [
    "local all all peer",
    "host all all 127.0.0.1/32 scram-sha-256",
    "host replication all 127.0.0.1/32 scram-sha-256",
    "host all all ::1/128 scram-sha-256",
    "host replication all ::1/128 scram-sha-256",
];

/// The first line of the default `pg_hba.conf`.
const DEFAULT_HEADER: &str = "no pg_hba is configured: loopback-only default.";

/// The text to write to `pg_hba.conf`, or `None` to leave the `current` file alone.
pub fn hba_text(lines: &[String], current: Option<&str>) -> Option<String> {
    if !lines.is_empty() {
        return Some(managed("postgresql.pg_hba", lines));
    }
    let ours = current.is_none_or(|text| text.starts_with(&format!("{MARKER}: {DEFAULT_HEADER}")));
    ours.then(|| {
        let mut out = format!("{MARKER}: {DEFAULT_HEADER}\n");
        for line in DEFAULT_HBA {
            out.push_str(line);
            out.push('\n');
        }
        out
    })
}

/// The text to write to `pg_ident.conf`, or `None` (no `pg_ident` set: the file is left
/// alone).
pub fn ident_text(lines: &[String]) -> Option<String> {
    (!lines.is_empty()).then(|| managed("postgresql.pg_ident", lines))
}

fn managed(source: &str, lines: &[String]) -> String {
    let mut out = format!("{MARKER}: from {source}.\n");
    for line in lines {
        out.push_str(line.trim());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_lines_are_written_and_a_foreign_file_is_kept_without_them() {
        let text = hba_text(&["host all all 0.0.0.0/0 md5".to_string()], Some("x"));
        let text = text.expect("written");
        assert!(text.contains("host all all 0.0.0.0/0 md5\n"));
        assert!(!text.contains("peer"));
        let default = hba_text(&[], None).expect("a missing file gets the default");
        assert!(default.contains("host replication all 127.0.0.1/32"));
        assert_eq!(hba_text(&[], Some(&default)), Some(default.clone()));
        assert_eq!(hba_text(&[], Some("host all all 10.0.0.0/8 md5\n")), None);
        assert_eq!(
            hba_text(&[], Some(&text)),
            None,
            "explicit lines are not undone"
        );
        assert_eq!(ident_text(&[]), None);
        let ident = ident_text(&["map1 alice postgres".to_string()]).expect("written");
        assert!(ident.ends_with("map1 alice postgres\n"));
    }
}
