//! `standby_cluster`: this cluster replicates from a remote primary.

use crate::postgres::{RemoteUpstream, Upstream};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// `standby_cluster`: this cluster replicates from a remote primary.
///
/// Empty strings read as absent (Patroni's own defaults are `''`); `port` may be a number or a
/// string. Other keys (`create_replica_methods`, `archive_cleanup_command`,
/// `recovery_min_apply_delay`, ...) are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StandbyCluster {
    /// Remote host.
    #[serde(
        default,
        deserialize_with = "non_empty_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub host: Option<String>,
    /// Remote port.
    #[serde(
        default,
        deserialize_with = "port",
        skip_serializing_if = "Option::is_none"
    )]
    pub port: Option<u16>,
    /// Slot on the remote.
    #[serde(
        default,
        deserialize_with = "non_empty_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub primary_slot_name: Option<String>,
    /// restore_command for archive recovery.
    #[serde(
        default,
        deserialize_with = "non_empty_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub restore_command: Option<String>,
    /// Any other key, kept as it is.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// `standby_cluster` keys that go into the standby leader's recovery settings.
const RECOVERY_KEYS: [&str; 2] = ["archive_cleanup_command", "recovery_min_apply_delay"];

impl StandbyCluster {
    /// True when the section makes this a standby cluster: Patroni requires a `host`, a
    /// `port` or a `restore_command`.
    pub fn is_active(&self) -> bool {
        self.host.is_some() || self.port.is_some() || self.restore_command.is_some()
    }

    /// The remote the standby leader follows: `host:port` (port 5432 and host `localhost`
    /// by default when only one is set) through `primary_slot_name`, and/or the archive
    /// through `restore_command`. Its name says which, e.g. `remote 10.0.0.1:5432`.
    pub fn upstream(&self) -> Upstream {
        let streams = self.host.is_some() || self.port.is_some();
        let host = self.host.as_deref().unwrap_or("localhost");
        let port = self.port.unwrap_or(5432);
        let mut recovery = BTreeMap::new();
        if let Some(command) = &self.restore_command {
            recovery.insert("restore_command".to_string(), command.clone());
        }
        for key in RECOVERY_KEYS {
            if let Some(text) = self.extra.get(key).and_then(crate::config::guc_text) {
                recovery.insert(key.to_string(), text);
            }
        }
        Upstream {
            name: if streams {
                format!("remote {host}:{port}")
            } else {
                "remote archive".to_string()
            },
            conn_url: if streams {
                format!("postgres://{host}:{port}/postgres")
            } else {
                String::new()
            },
            remote: Some(RemoteUpstream {
                slot: self.primary_slot_name.clone(),
                recovery,
                methods: self
                    .extra
                    .get("create_replica_methods")
                    .and_then(Value::as_array)
                    .map(|names| {
                        names
                            .iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
            }),
        }
    }
}

fn non_empty_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.trim().is_empty()))
}

fn port<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
    let value = Option::<Value>::deserialize(d)?;
    let text = match &value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => {
            return Err(serde::de::Error::custom(format!(
                "`port` must be a port number, got {other}"
            )))
        }
    };
    text.parse()
        .map(Some)
        .map_err(|_| serde::de::Error::custom(format!("`port` must be a port number, got {text}")))
}
