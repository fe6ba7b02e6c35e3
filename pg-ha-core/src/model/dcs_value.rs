//! `DcsValue`: a key's value in the text form Patroni stores in the DCS.

use super::ParseError;
use serde::Serialize;

/// A value stored in one DCS key.
///
/// [`from_text`](DcsValue::from_text) accepts every form Patroni reads, legacy forms included;
/// [`to_text`](DcsValue::to_text) writes the form current Patroni writes (compact JSON). The
/// `Serialize` impls of the model types write the same JSON, so `serde_json::to_string` agrees
/// with `to_text`.
pub trait DcsValue: Sized {
    /// Parses the stored text. The error says what is wrong (without naming the key).
    fn from_text(text: &str) -> Result<Self, String>;

    /// The text Patroni writes for this value.
    fn to_text(&self) -> String;

    /// Parses the stored text of `key`; the error names the key.
    fn parse_key(key: &str, text: &str) -> Result<Self, ParseError> {
        Self::from_text(text).map_err(|reason| ParseError::new(key, reason))
    }
}

/// Compact JSON of a model value. The model types serialize infallibly (string map keys, no
/// custom errors), so the empty-string fallback is never taken.
pub(crate) fn compact<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Parses `text` as JSON, with an error message that says so.
pub(crate) fn json(text: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))
}
