//! TLS for the agent's own SQL connections (tokio-postgres), from the role's libpq options
//! in `authentication.<role>`, with libpq's meaning: `sslmode` disable, allow / prefer
//! (TLS when the server offers it, unverified), require (TLS; verified against
//! `sslrootcert` when one is given, as libpq does), verify-ca (the chain) and verify-full
//! (the chain and the host name); `sslrootcert` (`system`: the webpki roots), `sslcert` /
//! `sslkey` (a client certificate) and `channel_binding`. Without `sslmode` the agent's
//! connections are plain.

use super::settings::Credentials;
use pg_ha_core::PgError;
use pg_ha_http::{client_config, TlsClientConfig};
use std::path::PathBuf;
use tokio_postgres::config::{ChannelBinding, SslMode};
use tokio_postgres::Config;

/// How a connection as `credentials` negotiates TLS: the mode, and the rustls configuration
/// unless TLS is off.
pub(crate) fn sql_tls(
    credentials: &Credentials,
) -> Result<(SslMode, Option<tokio_rustls::rustls::ClientConfig>), PgError> {
    let option = |key: &str| {
        credentials
            .connection
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let bad = |message: String| PgError::Setup(format!("role {}: {message}", credentials.username));
    let root = option("sslrootcert");
    let ca = root
        .as_deref()
        .filter(|r| *r != "system")
        .map(PathBuf::from);
    let base = TlsClientConfig {
        ca: ca.clone(),
        cert: option("sslcert").map(PathBuf::from),
        key: option("sslkey").map(PathBuf::from),
        ..TlsClientConfig::default()
    };
    let (mode, tls) = match option("sslmode").as_deref() {
        None | Some("disable") => return Ok((SslMode::Disable, None)),
        Some("allow" | "prefer") => (
            SslMode::Prefer,
            TlsClientConfig {
                insecure: true,
                ..base
            },
        ),
        Some("require") => (
            SslMode::Require,
            TlsClientConfig {
                insecure: root.is_none(),
                any_name: true,
                ..base
            },
        ),
        Some("verify-ca" | "verify-full") if root.is_none() => {
            return Err(bad(
                "sslmode verify-ca / verify-full needs sslrootcert".into()
            ))
        }
        Some("verify-ca") => (
            SslMode::Require,
            TlsClientConfig {
                any_name: true,
                ..base
            },
        ),
        Some("verify-full") => (SslMode::Require, base),
        Some(other) => return Err(bad(format!("unknown sslmode {other:?}"))),
    };
    let config = client_config(&tls).map_err(|e| bad(e.to_string()))?;
    Ok((mode, Some(config)))
}

/// Sets `channel_binding` from the role's options.
pub(crate) fn apply_channel_binding(cfg: &mut Config, credentials: &Credentials) {
    let wanted = credentials
        .connection
        .iter()
        .rev()
        .find(|(k, _)| k == "channel_binding")
        .map(|(_, v)| v.as_str());
    match wanted {
        Some("require") => cfg.channel_binding(ChannelBinding::Require),
        Some("disable") => cfg.channel_binding(ChannelBinding::Disable),
        _ => cfg.channel_binding(ChannelBinding::Prefer),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(options: &[(&str, &str)]) -> Credentials {
        Credentials {
            username: "u".into(),
            password: None,
            connection: options
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn libpq_modes_map_to_tls_or_none() {
        let (mode, tls) = sql_tls(&role(&[])).expect("plain");
        assert_eq!((mode, tls.is_none()), (SslMode::Disable, true));
        let (mode, tls) = sql_tls(&role(&[("sslmode", "prefer")])).expect("prefer");
        assert_eq!((mode, tls.is_some()), (SslMode::Prefer, true));
        let (mode, _) = sql_tls(&role(&[("sslmode", "require")])).expect("require");
        assert_eq!(mode, SslMode::Require);
        let err = sql_tls(&role(&[("sslmode", "verify-full")])).expect_err("no root");
        assert!(err.to_string().contains("needs sslrootcert"), "{err}");
        let err = sql_tls(&role(&[("sslmode", "sometimes")])).expect_err("bad mode");
        assert!(err.to_string().contains("unknown sslmode"), "{err}");
        let missing = role(&[
            ("sslmode", "verify-full"),
            ("sslrootcert", "/nonexistent/ca"),
        ]);
        assert!(sql_tls(&missing).is_err(), "an unreadable CA is an error");
    }
}
