//! Patroni's value parsers used by request parameters: sizes (`?lag=16kB`), durations
//! (`timeout`) and PostgreSQL versions (`postgres_version`).

use pg_ha_core::config::number_and_unit;
use serde_json::Value;

/// Bytes, as `parse_int(value, 'B')`: a number, or one with `B`, `kB`, `MB`, `GB`, `TB`.
/// Negative or unparsable values are `None`.
pub(crate) fn parse_bytes(text: &str) -> Option<u64> {
    let (number, unit) = number_and_unit(text)?;
    let factor: f64 = match unit {
        "" | "B" => 1.0,
        "kB" => 1024.0,
        "MB" => 1024.0 * 1024.0,
        "GB" => 1024.0 * 1024.0 * 1024.0,
        "TB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = (number * factor).round();
    (bytes >= 0.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
}

/// Whole seconds, as `parse_int(value, 's')`: a number (or numeric text), or one with `ms`,
/// `s`, `min`, `h`, `d`.
pub(crate) fn parse_seconds(value: &Value) -> Option<i64> {
    let (number, unit) = match value {
        Value::Number(n) => (n.as_f64()?, ""),
        Value::String(s) => number_and_unit(s)?,
        _ => return None,
    };
    let factor = match unit {
        "" | "s" => 1.0,
        "ms" => 0.001,
        "min" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => return None,
    };
    let secs = (number * factor).round();
    (secs.abs() < 1e15).then_some(secs as i64)
}

/// `postgres_version_to_int`: `X.Y` (X >= 10) or `X.Y.Z` to PostgreSQL's number
/// (`15.4` -> 150004, `9.6.24` -> 90624). The error is Patroni's message.
pub(crate) fn postgres_version_to_int(text: &str) -> Result<u32, String> {
    let parts: Result<Vec<u32>, _> = text.split('.').map(|p| p.trim().parse::<u32>()).collect();
    let Ok(mut parts) = parts else {
        return Err(format!(
            "Invalid PostgreSQL version format: X.Y or X.Y.Z is accepted: {text}"
        ));
    };
    let major_format_ok = match parts.as_slice() {
        [major, _] => *major >= 10,
        [_, _, _] => true,
        _ => false,
    };
    if !major_format_ok {
        return Err(format!("Invalid PostgreSQL major version format: {text}"));
    }
    if parts.len() == 2 {
        parts.insert(1, 0);
    }
    let joined: String = parts.iter().map(|p| format!("{p:02}")).collect();
    joined
        .parse()
        .map_err(|_| format!("Invalid PostgreSQL version format: X.Y or X.Y.Z is accepted: {text}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("1048576"), Some(1_048_576));
        assert_eq!(parse_bytes("16kB"), Some(16_384));
        assert_eq!(parse_bytes("1MB"), Some(1_048_576));
        assert_eq!(parse_bytes("1GB"), Some(1 << 30));
        assert_eq!(parse_bytes("1mb"), None);
        assert_eq!(parse_bytes("-1"), None);
        assert_eq!(parse_bytes("x"), None);
    }

    #[test]
    fn seconds() {
        assert_eq!(parse_seconds(&json!(30)), Some(30));
        assert_eq!(parse_seconds(&json!("2min")), Some(120));
        assert_eq!(parse_seconds(&json!("-5")), Some(-5));
        assert_eq!(parse_seconds(&json!("soon")), None);
        assert_eq!(parse_seconds(&json!(true)), None);
    }

    #[test]
    fn versions() {
        assert_eq!(postgres_version_to_int("15.4"), Ok(150_004));
        assert_eq!(postgres_version_to_int("9.6.24"), Ok(90_624));
        assert_eq!(postgres_version_to_int("16.0.1"), Ok(160_001));
        assert!(postgres_version_to_int("9.6").is_err());
        assert!(postgres_version_to_int("15").is_err());
        assert!(postgres_version_to_int("x.y").is_err());
    }
}
