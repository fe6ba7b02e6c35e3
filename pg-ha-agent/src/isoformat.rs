//! Python's `datetime.isoformat()`, as Patroni writes times in the DCS and the REST API.

use chrono::{DateTime, FixedOffset};

/// `2026-01-01T10:00:00+00:00`, with microseconds only when not zero.
pub fn isoformat(at: &DateTime<FixedOffset>) -> String {
    if at.timestamp_subsec_micros() == 0 {
        at.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
    } else {
        at.format("%Y-%m-%dT%H:%M:%S%.6f%:z").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microseconds_only_when_not_zero() {
        let at = DateTime::parse_from_rfc3339("2026-01-02T10:00:00+02:00").expect("valid");
        assert_eq!(isoformat(&at), "2026-01-02T10:00:00+02:00");
        let fine = DateTime::parse_from_rfc3339("2026-01-02T10:00:00.5+00:00").expect("valid");
        assert_eq!(isoformat(&fine), "2026-01-02T10:00:00.500000+00:00");
    }
}
