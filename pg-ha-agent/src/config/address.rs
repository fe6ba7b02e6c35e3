//! `host:port` addresses as Patroni writes them (`listen`, `connect_address`).

use pg_ha_core::ConfigError;
use std::fmt;

/// A `host:port` address. `host` may be empty (all interfaces) for `listen`, and may hold
/// several comma-separated hosts for `postgresql.listen`; IPv6 hosts are kept without
/// brackets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort {
    /// The host (name or IP), `""` for all interfaces.
    pub host: String,
    /// The TCP port.
    pub port: u16,
}

impl HostPort {
    /// Parses `host:port`, `[v6]:port` or `:port`, naming `key` in errors.
    pub fn parse(key: &str, text: &str) -> Result<HostPort, ConfigError> {
        let bad = |why: &str| {
            ConfigError::new(
                key,
                format!("expected host:port (e.g. 127.0.0.1:8008), got {text:?}: {why}"),
            )
        };
        let text = text.trim();
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            rest.split_once("]:").ok_or_else(|| bad("no ]:port"))?
        } else {
            text.rsplit_once(':').ok_or_else(|| bad("no port"))?
        };
        let port: u16 = port
            .trim()
            .parse()
            .map_err(|_| bad("the port is not a number from 1 to 65535"))?;
        if port == 0 {
            return Err(bad("the port is not a number from 1 to 65535"));
        }
        Ok(HostPort {
            host: host.trim().to_string(),
            port,
        })
    }

    /// True when the host is a concrete address others can connect to (not empty, `*`,
    /// `0.0.0.0` or `::`, and a single host).
    pub fn is_connectable(&self) -> bool {
        let host = self.host.as_str();
        !(host.is_empty() || host == "*" || host == "0.0.0.0" || host == "::" || host.contains(','))
    }

    /// The first host of a comma-separated list.
    pub fn first_host(&self) -> HostPort {
        HostPort {
            host: self
                .host
                .split(',')
                .next()
                .unwrap_or_default()
                .trim()
                .to_string(),
            port: self.port,
        }
    }
}

impl fmt::Display for HostPort {
    /// `host:port`, with brackets around IPv6 hosts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') && !self.host.contains(',') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// The address others use: `connect_address` if set, else `listen` when it names a single
/// concrete host. `section` is `restapi` or `postgresql`.
pub(crate) fn connect_address(
    section: &str,
    connect: Option<&HostPort>,
    listen: Option<&HostPort>,
) -> Result<HostPort, ConfigError> {
    if let Some(connect) = connect {
        if !connect.is_connectable() {
            return Err(ConfigError::new(
                format!("{section}.connect_address"),
                format!("expected an address other nodes can reach, got {connect}"),
            ));
        }
        return Ok(connect.clone());
    }
    match listen.map(HostPort::first_host) {
        Some(listen) if listen.is_connectable() => Ok(listen),
        _ => Err(ConfigError::new(
            format!("{section}.connect_address"),
            "is required when listen does not name one reachable host (host:port)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        let hp = HostPort::parse("k", "127.0.0.1:8008").expect("parses");
        assert_eq!((hp.host.as_str(), hp.port), ("127.0.0.1", 8008));
        let hp = HostPort::parse("k", ":8008").expect("parses");
        assert_eq!(hp.host, "");
        assert!(!hp.is_connectable());
        let hp = HostPort::parse("k", "[::1]:5432").expect("parses");
        assert_eq!(hp.host, "::1");
        assert_eq!(hp.to_string(), "[::1]:5432");
        let hp = HostPort::parse("k", "a,b:5432").expect("parses");
        assert_eq!(hp.first_host().host, "a");
    }

    #[test]
    fn errors_name_the_key_and_form() {
        let e = HostPort::parse("restapi.listen", "8008").expect_err("no port");
        assert_eq!(e.key, "restapi.listen");
        assert!(e.reason.contains("expected host:port"), "{e}");
        assert!(HostPort::parse("k", "h:99999").is_err());
        assert!(HostPort::parse("k", "h:0").is_err());
        assert!(HostPort::parse("k", "h:x").is_err());
    }
}
