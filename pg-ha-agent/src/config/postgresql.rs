//! The `postgresql` section: kept raw for PostgreSQL control; only the addresses are read here
//! (for the member key's `conn_url`).

use super::address::{connect_address, HostPort};
use super::section::Section;
use super::ConfigWarning;
use pg_ha_core::ConfigError;
use serde_json::Value;

/// The `postgresql` section.
#[derive(Debug, Clone, PartialEq)]
pub struct PostgresqlSection {
    /// `listen` (`host[,host2]:port`), if set.
    pub listen: Option<HostPort>,
    /// The address other nodes connect to (`connect_address`, else a single `listen` host).
    pub connect_address: HostPort,
    /// `proxy_address`: a connection pooler in front of this node, published as
    /// `proxy_url`.
    pub proxy_address: Option<HostPort>,
    /// The whole section as written, for PostgreSQL control to parse.
    pub raw: Value,
}

impl PostgresqlSection {
    /// Reads the `postgresql` section (required).
    pub(crate) fn read(
        root: &Section<'_>,
        warnings: &mut Vec<ConfigWarning>,
    ) -> Result<PostgresqlSection, ConfigError> {
        if root.get("postgresql").is_none() {
            return Err(ConfigError::new(
                "postgresql",
                "is required: a mapping with at least listen, connect_address and data_dir",
            ));
        }
        let s = root.sub("postgresql")?;
        super::postgresql_keys::warn_postgresql_keys(&s, warnings)?;
        let address = |key: &str| -> Result<Option<HostPort>, ConfigError> {
            s.string(key)?
                .map(|text| HostPort::parse(&s.key(key), &text))
                .transpose()
        };
        let listen = address("listen")?;
        let connect = address("connect_address")?;
        let proxy_address = address("proxy_address")?;
        Ok(PostgresqlSection {
            proxy_address,
            connect_address: connect_address("postgresql", connect.as_ref(), listen.as_ref())?,
            listen,
            raw: root.get("postgresql").cloned().unwrap_or(Value::Null),
        })
    }

    /// `postgres://<proxy_address>/postgres`: the member key's `proxy_url`, when set.
    pub fn proxy_url(&self) -> Option<String> {
        self.proxy_address
            .as_ref()
            .map(|p| format!("postgres://{p}/postgres"))
    }

    /// `postgres://<connect_address>/postgres`: the member key's `conn_url`.
    pub fn conn_url(&self) -> String {
        format!("postgres://{}/postgres", self.connect_address)
    }
}
