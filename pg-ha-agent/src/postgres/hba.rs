//! `pg_hba.conf` from `postgresql.pg_hba`.

use super::conf::MARKER;

/// Used when `postgresql.pg_hba` is empty: password logins and replication from loopback.
const DEFAULT_HBA: [&str; 5] = [
    "local all all peer",
    "host all all 127.0.0.1/32 scram-sha-256",
    "host all all ::1/128 scram-sha-256",
    "host replication all 127.0.0.1/32 scram-sha-256",
    "host replication all ::1/128 scram-sha-256",
];

/// The text of `pg_hba.conf`.
pub fn render_hba(lines: &[String]) -> String {
    let mut out = format!("{MARKER}: from postgresql.pg_hba.\n");
    if lines.is_empty() {
        for l in DEFAULT_HBA {
            out.push_str(l);
            out.push('\n');
        }
    }
    for l in lines {
        out.push_str(l.trim());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_given_or_default_lines() {
        let text = render_hba(&["host all all 0.0.0.0/0 md5".to_string()]);
        assert!(text.contains("host all all 0.0.0.0/0 md5\n"));
        assert!(!text.contains("peer"));
        assert!(render_hba(&[]).contains("host replication all 127.0.0.1/32"));
    }
}
