//! `synchronous_mode`: off, on or quorum.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `synchronous_mode`: off, on (`FIRST n`) or quorum (`ANY n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncMode {
    /// Asynchronous replication.
    #[default]
    Off,
    /// `FIRST n (...)`.
    On,
    /// `ANY n (...)`.
    Quorum,
}

impl SyncMode {
    /// The value Patroni keeps in the `config` key: `false`, `true` or `"quorum"`.
    pub fn to_json(self) -> Value {
        match self {
            SyncMode::Off => Value::Bool(false),
            SyncMode::On => Value::Bool(true),
            SyncMode::Quorum => Value::from("quorum"),
        }
    }

    /// True for `on` and `quorum`.
    pub fn is_enabled(self) -> bool {
        self != SyncMode::Off
    }
}
