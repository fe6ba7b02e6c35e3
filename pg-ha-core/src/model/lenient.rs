//! Lenient readers for JSON scalars that Patroni itself reads leniently (numbers written as
//! strings, `null` for "not set"), shared by the model's hand-written parsers.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Reads an unsigned integer from a JSON number (whole) or a decimal string.
pub(crate) fn u64_of(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 18_446_744_073_709_551_616.0)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Reads a `u32` the way [`u64_of`] reads a `u64`.
pub(crate) fn u32_of(value: &Value) -> Option<u32> {
    u64_of(value).and_then(|n| u32::try_from(n).ok())
}

/// A short description of a JSON value's type, for error messages.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Reads an optional string field: absent or `null` is `None`, a string is kept, anything
/// else is an error naming `field`.
pub(crate) fn opt_string(
    obj: &serde_json::Map<String, Value>,
    field: &str,
) -> Result<Option<String>, String> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!(
            "`{field}` must be a string, got {}",
            type_name(other)
        )),
    }
}

/// serde helper: an optional LSN-like integer that may be written as a string or `null`.
pub(crate) fn de_opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(v) => u64_of(&v)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("expected an integer, got {v}"))),
    }
}

/// serde helper: an optional `u32` that may be written as a string or `null`.
pub(crate) fn de_opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(v) => u32_of(&v)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("expected a 32-bit integer, got {v}"))),
    }
}

/// serde helper: a value whose `null` means its default.
pub(crate) fn de_null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integers_from_numbers_and_strings() {
        assert_eq!(u64_of(&json!(42)), Some(42));
        assert_eq!(u64_of(&json!("42")), Some(42));
        assert_eq!(u64_of(&json!(42.0)), Some(42));
        assert_eq!(u64_of(&json!(42.5)), None);
        assert_eq!(u64_of(&json!(-1)), None);
        assert_eq!(u64_of(&json!("x")), None);
        assert_eq!(u32_of(&json!(5_000_000_000u64)), None);
    }
}
