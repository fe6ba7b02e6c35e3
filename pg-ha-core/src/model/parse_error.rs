//! The typed error for a DCS value that cannot be parsed.

/// A DCS value that is not what Patroni's format says. The snapshot still loads: the key is
/// treated as empty and this error is reported alongside.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed value in DCS key `{key}`: {reason}")]
pub struct ParseError {
    /// The key path relative to the cluster prefix.
    pub key: String,
    /// What is wrong with it.
    pub reason: String,
}

impl ParseError {
    /// A parse error for `key`.
    pub fn new(key: impl Into<String>, reason: impl Into<String>) -> ParseError {
        ParseError {
            key: key.into(),
            reason: reason.into(),
        }
    }
}
