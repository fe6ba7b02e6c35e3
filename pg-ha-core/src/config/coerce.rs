//! Readers for the scalar forms Patroni accepts in the dynamic config, and the writer for
//! durations. Every error names the key.

use super::{ConfigError, SyncMode};
use serde_json::Value;
use std::time::Duration;

/// The largest duration any key accepts (about 136 years): keeps `Mono + Duration` and sums
/// of durations far from overflow.
pub(crate) const MAX_SECONDS: u64 = u32::MAX as u64;

/// A duration in seconds: a number, a numeric string, or a string with a PostgreSQL-style
/// unit (`us`, `ms`, `s`, `min`, `h`, `d`), as Patroni's `parse_int(..., base_unit='s')`.
pub(crate) fn seconds(key: &str, v: &Value) -> Result<Duration, ConfigError> {
    let secs = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => seconds_text(s),
        _ => None,
    };
    let bad = || {
        ConfigError::new(
            key,
            format!("expected a non-negative number of seconds (e.g. 10 or \"10s\"), got {v}"),
        )
    };
    let secs = secs
        .filter(|s| s.is_finite() && *s >= 0.0)
        .ok_or_else(bad)?;
    if secs > MAX_SECONDS as f64 {
        return Err(ConfigError::new(
            key,
            format!("must be at most {MAX_SECONDS} seconds, got {v}"),
        ));
    }
    Duration::try_from_secs_f64(secs).map_err(|_| bad())
}

/// Splits a PostgreSQL-style value such as `12.5MB` into its finite number and its unit
/// (`""` when there is none).
pub fn number_and_unit(text: &str) -> Option<(f64, &str)> {
    let text = text.trim();
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.trim().parse().ok()?;
    number.is_finite().then_some((number, unit.trim()))
}

fn seconds_text(text: &str) -> Option<f64> {
    let (number, unit) = number_and_unit(text)?;
    let factor = match unit {
        "" | "s" => 1.0,
        "us" => 1e-6,
        "ms" => 1e-3,
        "min" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => return None,
    };
    Some(number * factor)
}

/// A duration as Patroni writes it: integer seconds when whole, else a float.
pub(crate) fn duration_json(d: Duration) -> Value {
    if d.subsec_nanos() == 0 {
        Value::from(d.as_secs())
    } else {
        Value::from(d.as_secs_f64())
    }
}

fn integer(v: &Value) -> Option<i128> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18)
                    .map(|f| f as i128)
            }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A non-negative integer (a JSON number or a decimal string).
pub(crate) fn unsigned(key: &str, v: &Value) -> Result<u64, ConfigError> {
    integer(v)
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| ConfigError::new(key, format!("expected a non-negative integer, got {v}")))
}

/// A non-negative integer that fits 32 bits.
pub(crate) fn unsigned32(key: &str, v: &Value) -> Result<u32, ConfigError> {
    integer(v)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| {
            ConfigError::new(
                key,
                format!("expected a non-negative integer below 2^32, got {v}"),
            )
        })
}

/// A signed integer.
pub(crate) fn signed(key: &str, v: &Value) -> Result<i64, ConfigError> {
    integer(v)
        .and_then(|n| i64::try_from(n).ok())
        .ok_or_else(|| ConfigError::new(key, format!("expected an integer, got {v}")))
}

/// Patroni's booleans: `on/true/yes/1` and `off/false/no/0` (any case).
pub(crate) fn boolean(key: &str, v: &Value) -> Result<bool, ConfigError> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_i64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        Value::String(s) => bool_word(s),
        _ => None,
    }
    .ok_or_else(|| {
        ConfigError::new(
            key,
            format!("expected a boolean (on/off, true/false, yes/no, 1/0), got {v}"),
        )
    })
}

/// A boolean word: `on/true/yes/1` or `off/false/no/0` (any case).
pub(crate) fn bool_word(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" => Some(true),
        "off" | "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

/// `synchronous_mode`: a boolean, or `quorum` (any case).
pub(crate) fn sync_mode(key: &str, v: &Value) -> Result<SyncMode, ConfigError> {
    if let Value::String(s) = v {
        if s.trim().eq_ignore_ascii_case("quorum") {
            return Ok(SyncMode::Quorum);
        }
    }
    boolean(key, v)
        .map(|on| if on { SyncMode::On } else { SyncMode::Off })
        .map_err(|_| ConfigError::new(key, format!("expected on, off or quorum, got {v}")))
}

/// An object (or `null`, read as empty) whose entries are kept as they are.
pub(crate) fn object(
    key: &str,
    v: &Value,
) -> Result<std::collections::BTreeMap<String, Value>, ConfigError> {
    match v {
        Value::Null => Ok(Default::default()),
        Value::Object(map) => Ok(map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        other => Err(ConfigError::new(
            key,
            format!("expected an object, got {other}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn durations_with_units() {
        let s = |v: Value| seconds("k", &v).map(|d| d.as_secs_f64());
        assert_eq!(s(json!(10)), Ok(10.0));
        assert_eq!(s(json!(2.5)), Ok(2.5));
        assert_eq!(s(json!("30")), Ok(30.0));
        assert_eq!(s(json!("30min")), Ok(1800.0));
        assert_eq!(s(json!("1500ms")), Ok(1.5));
        assert_eq!(s(json!("1h")), Ok(3600.0));
        assert_eq!(s(json!("2 d")), Ok(172_800.0));
        assert!(s(json!("10 parsecs")).is_err());
        assert!(s(json!(-1)).is_err());
        assert!(s(json!(1e30)).is_err());
        assert!(s(json!(true)).is_err());
    }

    #[test]
    fn duration_writer() {
        assert_eq!(duration_json(Duration::from_secs(10)), json!(10));
        assert_eq!(duration_json(Duration::from_millis(1500)), json!(1.5));
    }

    #[test]
    fn integers() {
        assert_eq!(unsigned("k", &json!("12")), Ok(12));
        assert_eq!(unsigned("k", &json!(3.0)), Ok(3));
        assert!(unsigned("k", &json!(3.5)).is_err());
        assert!(unsigned("k", &json!(-3)).is_err());
        assert_eq!(signed("k", &json!(-1)), Ok(-1));
        assert!(unsigned32("k", &json!(5_000_000_000u64)).is_err());
    }
}
