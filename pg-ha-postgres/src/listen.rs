//! `listen` / `connect_address`: `host[,host2]:port`.

use super::error::SetupError;

/// Parsed `listen` setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenAddr {
    /// The hosts (`listen_addresses`), e.g. `127.0.0.1`, `*`, `::1`.
    pub hosts: Vec<String>,
    /// The port.
    pub port: u16,
}

impl ListenAddr {
    /// Parses `h[,h2]:port`; `key` names the setting in errors.
    pub fn parse(key: &str, value: &str) -> Result<ListenAddr, SetupError> {
        let bad = || SetupError::BadAddress {
            key: key.to_string(),
            value: value.to_string(),
        };
        let (hosts, port) = value.trim().rsplit_once(':').ok_or_else(bad)?;
        let port: u16 = port.parse().map_err(|_| bad())?;
        let hosts: Vec<String> = hosts
            .split(',')
            .map(|h| h.trim().trim_start_matches('[').trim_end_matches(']'))
            .filter(|h| !h.is_empty())
            .map(str::to_string)
            .collect();
        if hosts.is_empty() || port == 0 {
            return Err(bad());
        }
        Ok(ListenAddr { hosts, port })
    }

    /// The `listen_addresses` value.
    pub fn listen_addresses(&self) -> String {
        self.hosts.join(",")
    }

    /// The host the agent connects to for local queries: the first listen host, with
    /// wildcards mapped to loopback.
    pub fn local_host(&self) -> String {
        let first = self
            .hosts
            .first()
            .map(String::as_str)
            .unwrap_or("127.0.0.1");
        match first {
            "*" | "0.0.0.0" | "" => "127.0.0.1".to_string(),
            "::" => "::1".to_string(),
            h => h.to_string(),
        }
    }

    /// The addresses to probe for a port conflict (`host`, `port`).
    pub fn bind_probes(&self) -> Vec<(String, u16)> {
        self.hosts
            .iter()
            .map(|h| match h.as_str() {
                "*" => ("0.0.0.0".to_string(), self.port),
                other => (other.to_string(), self.port),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hosts_and_port() {
        let l = ListenAddr::parse("listen", "127.0.0.1,::1:5433").expect("valid");
        assert_eq!(l.hosts, vec!["127.0.0.1", "::1"]);
        assert_eq!(l.port, 5433);
        assert_eq!(l.local_host(), "127.0.0.1");
        let star = ListenAddr::parse("listen", "*:5432").expect("valid");
        assert_eq!(star.local_host(), "127.0.0.1");
        assert_eq!(star.bind_probes(), vec![("0.0.0.0".to_string(), 5432)]);
    }

    #[test]
    fn rejects_garbage() {
        assert!(ListenAddr::parse("listen", "localhost").is_err());
        assert!(ListenAddr::parse("listen", ":5432").is_err());
        assert!(ListenAddr::parse("listen", "h:99999").is_err());
    }
}
