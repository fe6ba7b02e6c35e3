//! Patroni's `parse_schedule`: a timestamp with a timezone, in the future.

use super::Reply;
use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};

/// Parses `text` for `action` (`switchover`, `restart`). Errors are Patroni's replies:
/// 400 without a timezone, 422 in the past or unparsable.
pub(crate) fn parse_schedule(
    text: &str,
    action: &str,
    now: DateTime<Utc>,
) -> Result<DateTime<FixedOffset>, Reply> {
    let text = text.trim();
    if let Some(at) = with_timezone(text) {
        if at < now {
            return Err(Reply::text(
                422,
                format!("Cannot schedule {action} in the past"),
            ));
        }
        return Ok(at);
    }
    if without_timezone(text) {
        return Err(Reply::text(
            400,
            format!("Timezone information is mandatory for the scheduled {action}"),
        ));
    }
    Err(Reply::text(
        422,
        "Unable to parse scheduled timestamp. It should be in an unambiguous format, e.g. ISO 8601",
    ))
}

fn with_timezone(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .or_else(|| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z").ok())
        .or_else(|| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z").ok())
        .or_else(|| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%z").ok())
        .or_else(|| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M%:z").ok())
}

fn without_timezone(text: &str) -> bool {
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .any(|f| NaiveDateTime::parse_from_str(text, f).is_ok())
}

pub(crate) use crate::isoformat::isoformat;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::reply::Body;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .expect("valid")
            .with_timezone(&Utc)
    }

    fn message(r: Result<DateTime<FixedOffset>, Reply>) -> (u16, String) {
        match r {
            Err(Reply {
                status,
                body: Body::Text(t),
                ..
            }) => (status, t),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn schedules() {
        let at = parse_schedule("2026-01-02T10:00:00+02:00", "restart", now()).expect("ok");
        assert_eq!(isoformat(&at), "2026-01-02T10:00:00+02:00");
        assert!(parse_schedule("2026-01-02 10:00:00.5+00:00", "restart", now()).is_ok());
        assert_eq!(
            message(parse_schedule("2026-01-02T10:00:00", "restart", now())),
            (
                400,
                "Timezone information is mandatory for the scheduled restart".into()
            )
        );
        assert_eq!(
            message(parse_schedule("2025-01-02T10:00:00Z", "switchover", now())),
            (422, "Cannot schedule switchover in the past".into())
        );
        assert_eq!(message(parse_schedule("tomorrow", "restart", now())).0, 422);
    }
}
