//! Configuration errors that name the key at fault.

/// A configuration value that is wrong. The message names the key and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration `{key}`: {reason}")]
pub struct ConfigError {
    /// The dotted key path, e.g. `loop_wait` or `postgresql.use_slots`.
    pub key: String,
    /// What is wrong and what form is expected.
    pub reason: String,
}

impl ConfigError {
    /// An error for `key`.
    pub fn new(key: impl Into<String>, reason: impl Into<String>) -> ConfigError {
        ConfigError {
            key: key.into(),
            reason: reason.into(),
        }
    }
}
