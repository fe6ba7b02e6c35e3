//! `--scheduled TIME`: ISO 8601 with or without a timezone (without one, the local timezone
//! is assumed, as patronictl does), or `now`.

use super::CtlError;
use chrono::{DateTime, FixedOffset, Local, NaiveDateTime, TimeZone};

const WITH_ZONE: [&str; 4] = [
    "%Y-%m-%dT%H:%M:%S%.f%:z",
    "%Y-%m-%d %H:%M:%S%.f%:z",
    "%Y-%m-%dT%H:%M%:z",
    "%Y-%m-%d %H:%M%:z",
];
const WITHOUT_ZONE: [&str; 4] = [
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
];

/// `None` for `now` (or an empty answer); else the time as Python's `isoformat()` writes it
/// (`2026-01-01T10:00:00+00:00`), which is what the REST API is sent.
pub fn parse_scheduled(text: &str) -> Result<Option<String>, CtlError> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("now") {
        return Ok(None);
    }
    parse_time(text)
        .map(|at| Some(isoformat(&at)))
        .ok_or_else(|| {
            CtlError::Usage(format!(
                "Unable to parse scheduled timestamp ({text}). It should be in an unambiguous \
                 format (e.g. ISO 8601)"
            ))
        })
}

fn parse_time(text: &str) -> Option<DateTime<FixedOffset>> {
    let zulu = text
        .strip_suffix('Z')
        .or_else(|| text.strip_suffix('z'))
        .map(|t| format!("{t}+00:00"));
    let text = zulu.as_deref().unwrap_or(text);
    if let Some(at) = WITH_ZONE
        .iter()
        .find_map(|f| DateTime::parse_from_str(text, f).ok())
    {
        return Some(at);
    }
    let naive = WITHOUT_ZONE
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())?;
    Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|at| at.fixed_offset())
}

pub use crate::isoformat::isoformat;

/// An example time an hour from now, for prompts.
pub fn example() -> String {
    let at = Local::now().fixed_offset() + chrono::Duration::hours(1);
    at.format("%Y-%m-%dT%H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_kept_and_now_is_none() {
        assert_eq!(parse_scheduled("now").ok(), Some(None));
        assert_eq!(parse_scheduled("").ok(), Some(None));
        assert_eq!(
            parse_scheduled("2030-01-01T10:00+02:00").ok().flatten(),
            Some("2030-01-01T10:00:00+02:00".to_string())
        );
        assert_eq!(
            parse_scheduled("2030-01-01 10:00:00.5Z").ok().flatten(),
            Some("2030-01-01T10:00:00.500000+00:00".to_string())
        );
    }

    #[test]
    fn naive_times_are_local() {
        let at = parse_scheduled("2030-06-01T12:30").ok().flatten();
        let at = at.expect("parses");
        assert!(at.starts_with("2030-06-01T12:30:00"), "{at}");
        assert!(parse_scheduled("tomorrow").is_err());
    }
}
