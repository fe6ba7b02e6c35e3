//! Warnings about keys that are accepted but not acted on.

use std::fmt;

/// A key that pg-ha ignores: unknown, or a Patroni key that pg-ha does not support (yet).
/// Loading never fails for these; each is reported once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    /// The dotted key path, e.g. `restapi.ciphers`.
    pub key: String,
    /// What happens to it.
    pub message: String,
}

impl ConfigWarning {
    /// A warning for `key`.
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> ConfigWarning {
        ConfigWarning {
            key: key.into(),
            message: message.into(),
        }
    }

    /// A key pg-ha does not know.
    pub fn unknown(key: impl Into<String>) -> ConfigWarning {
        ConfigWarning::new(key, "unknown key: ignored")
    }

    /// A Patroni key pg-ha does not support (yet).
    pub fn unsupported(key: impl Into<String>) -> ConfigWarning {
        ConfigWarning::new(key, "not supported by pg-ha: ignored")
    }
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration `{}`: {}", self.key, self.message)
    }
}
