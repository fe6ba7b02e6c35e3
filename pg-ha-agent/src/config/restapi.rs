//! The `restapi` section (spec 5.1).

use super::address::{connect_address, HostPort};
use super::credentials::Credentials;
use super::section::Section;
use super::ConfigWarning;
use pg_ha_core::ConfigError;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// `restapi.verify_client`: whether HTTPS clients must present a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VerifyClient {
    /// No client certificate is asked for.
    #[default]
    None,
    /// A certificate is asked for; mutating endpoints refuse clients without one.
    Optional,
    /// The TLS handshake fails without a valid client certificate.
    Required,
}

/// `restapi.server_tokens`: what the `Server` header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServerTokens {
    /// The full product and version.
    #[default]
    Original,
    /// `Patroni/<version>`.
    Minimal,
    /// `Patroni`.
    ProductOnly,
}

/// The REST API settings.
#[derive(Debug, Clone, PartialEq)]
pub struct RestApiConfig {
    /// Where to listen (`host:port`; an empty host means all interfaces).
    pub listen: HostPort,
    /// The address other nodes and tools use (`connect_address`, else `listen`).
    pub connect_address: HostPort,
    /// Basic auth for the mutating endpoints.
    pub authentication: Option<Credentials>,
    /// The server certificate (PEM); TLS is on when set.
    pub certfile: Option<PathBuf>,
    /// The private key (PEM); read from `certfile` when unset.
    pub keyfile: Option<PathBuf>,
    /// CA certificates that client certificates must chain to.
    pub cafile: Option<PathBuf>,
    /// Client certificate policy.
    pub verify_client: VerifyClient,
    /// Only these IPs / networks (CIDR) may use the mutating endpoints (empty = anyone).
    pub allowlist: Vec<String>,
    /// Also allow the cluster members' hosts.
    pub allowlist_include_members: bool,
    /// Headers added to every plain-HTTP reply.
    pub http_extra_headers: BTreeMap<String, String>,
    /// Headers added to every HTTPS reply.
    pub https_extra_headers: BTreeMap<String, String>,
    /// The `Server` header.
    pub server_tokens: ServerTokens,
}

const SUPPORTED: [&str; 12] = [
    "listen",
    "connect_address",
    "authentication",
    "certfile",
    "keyfile",
    "cafile",
    "verify_client",
    "allowlist",
    "allowlist_include_members",
    "http_extra_headers",
    "https_extra_headers",
    "server_tokens",
];
const UNSUPPORTED: [&str; 5] = [
    "keyfile_password",
    "ciphers",
    "crlfile",
    "request_queue_size",
    "thread_pool_size",
];

impl RestApiConfig {
    /// Reads the `restapi` section (`listen` is required).
    pub(crate) fn read(
        root: &Section<'_>,
        warnings: &mut Vec<ConfigWarning>,
    ) -> Result<RestApiConfig, ConfigError> {
        let s = root.sub("restapi")?;
        s.warn_keys(&SUPPORTED, &UNSUPPORTED, warnings);
        let listen = HostPort::parse(
            &s.key("listen"),
            &s.required_string("listen", "host:port, e.g. 0.0.0.0:8008")?,
        )?;
        let connect = s
            .string("connect_address")?
            .map(|text| HostPort::parse(&s.key("connect_address"), &text))
            .transpose()?;
        let cfg = RestApiConfig {
            connect_address: connect_address("restapi", connect.as_ref(), Some(&listen))?,
            listen,
            authentication: Credentials::read(&s)?,
            certfile: s.string("certfile")?.map(PathBuf::from),
            keyfile: s.string("keyfile")?.map(PathBuf::from),
            cafile: s.string("cafile")?.map(PathBuf::from),
            verify_client: verify_client(&s)?,
            allowlist: s.string_list("allowlist")?,
            allowlist_include_members: s.boolean("allowlist_include_members")?.unwrap_or(false),
            http_extra_headers: s.string_map("http_extra_headers")?,
            https_extra_headers: s.string_map("https_extra_headers")?,
            server_tokens: server_tokens(&s)?,
        };
        if cfg.verify_client != VerifyClient::None && cfg.certfile.is_some() && cfg.cafile.is_none()
        {
            return Err(ConfigError::new(
                s.key("cafile"),
                "is required when verify_client is optional or required: the CA file (PEM) \
                 that client certificates must chain to",
            ));
        }
        Ok(cfg)
    }

    /// True when the API is served over TLS (`certfile` set).
    pub fn is_tls(&self) -> bool {
        self.certfile.is_some()
    }

    /// `http(s)://<connect_address>/patroni`: the member key's `api_url`.
    pub fn api_url(&self) -> String {
        let scheme = if self.is_tls() { "https" } else { "http" };
        format!("{scheme}://{}/patroni", self.connect_address)
    }
}

fn verify_client(s: &Section<'_>) -> Result<VerifyClient, ConfigError> {
    match s
        .string("verify_client")?
        .as_deref()
        .map(str::to_ascii_lowercase)
    {
        None => Ok(VerifyClient::None),
        Some(v) if v == "none" => Ok(VerifyClient::None),
        Some(v) if v == "optional" => Ok(VerifyClient::Optional),
        Some(v) if v == "required" => Ok(VerifyClient::Required),
        Some(v) => Err(ConfigError::new(
            s.key("verify_client"),
            format!("expected none, optional or required, got {v:?}"),
        )),
    }
}

fn server_tokens(s: &Section<'_>) -> Result<ServerTokens, ConfigError> {
    match s
        .string("server_tokens")?
        .as_deref()
        .map(str::to_ascii_lowercase)
    {
        None => Ok(ServerTokens::Original),
        Some(v) if v == "original" => Ok(ServerTokens::Original),
        Some(v) if v == "minimal" => Ok(ServerTokens::Minimal),
        Some(v) if v == "productonly" => Ok(ServerTokens::ProductOnly),
        Some(v) => Err(ConfigError::new(
            s.key("server_tokens"),
            format!("expected Original, Minimal or ProductOnly, got {v:?}"),
        )),
    }
}
