//! The `ctl` section: how the ctl client talks to the REST API (spec 4).

use super::credentials::Credentials;
use super::section::Section;
use super::ConfigWarning;
use pg_ha_core::ConfigError;
use std::path::PathBuf;

/// Settings of the ctl client.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CtlConfig {
    /// Basic auth (falls back to `restapi.authentication` when unset).
    pub authentication: Option<Credentials>,
    /// Do not verify the server certificate.
    pub insecure: bool,
    /// CA certificate to verify the server with.
    pub cacert: Option<PathBuf>,
    /// Client certificate.
    pub certfile: Option<PathBuf>,
    /// Client key.
    pub keyfile: Option<PathBuf>,
}

impl CtlConfig {
    /// Reads the optional `ctl` section.
    pub(crate) fn read(
        root: &Section<'_>,
        warnings: &mut Vec<ConfigWarning>,
    ) -> Result<CtlConfig, ConfigError> {
        let s = root.sub("ctl")?;
        s.warn_keys(
            &[
                "authentication",
                "insecure",
                "cacert",
                "certfile",
                "keyfile",
            ],
            &["keyfile_password"],
            warnings,
        );
        Ok(CtlConfig {
            authentication: Credentials::read(&s)?,
            insecure: s.boolean("insecure")?.unwrap_or(false),
            cacert: s.string("cacert")?.map(PathBuf::from),
            certfile: s.string("certfile")?.map(PathBuf::from),
            keyfile: s.string("keyfile")?.map(PathBuf::from),
        })
    }
}
