//! The `bootstrap` section: `bootstrap.dcs` becomes the dynamic configuration the bootstrap
//! leader writes; the rest (initdb options, custom method, hooks) is for PostgreSQL control.

use super::section::Section;
use super::ConfigWarning;
use pg_ha_core::{ConfigError, DynamicConfig};
use serde_json::Value;

/// The `bootstrap` section.
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapConfig {
    /// `bootstrap.dcs` merged over Patroni's defaults, validated.
    pub dcs: DynamicConfig,
    /// The whole section as written (`initdb`, `method`, `post_bootstrap`, ...).
    pub raw: Value,
}

impl BootstrapConfig {
    /// Reads `bootstrap`, if present. Errors in `bootstrap.dcs` name `bootstrap.dcs.<key>`.
    pub(crate) fn read(
        root: &Section<'_>,
        warnings: &mut Vec<ConfigWarning>,
    ) -> Result<Option<BootstrapConfig>, ConfigError> {
        if !root.has("bootstrap") {
            return Ok(None);
        }
        let s = root.sub("bootstrap")?;
        warn_bootstrap_keys(&s, warnings)?;
        if s.has("users") {
            warnings.push(ConfigWarning::new(
                s.key("users"),
                "removed in Patroni 4: create users in post_bootstrap instead; ignored",
            ));
        }
        Ok(Some(BootstrapConfig {
            dcs: bootstrap_dcs(s.get("dcs"))?,
            raw: root.get("bootstrap").cloned().unwrap_or(Value::Null),
        }))
    }
}

/// One warning per `bootstrap` key with no effect (`users` has its own, below), also in
/// the custom method's section.
fn warn_bootstrap_keys(
    s: &Section<'_>,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<(), ConfigError> {
    let method = s.string("method")?;
    let mut supported = vec![
        "dcs",
        "method",
        "initdb",
        "post_bootstrap",
        "post_init",
        "users",
    ];
    if let Some(m) = method.as_deref() {
        supported.push(m);
    }
    s.warn_keys(&supported, &[], warnings);
    if let Some(m) = method.as_deref().filter(|m| *m != "initdb" && s.has(m)) {
        s.sub(m)?.warn_keys(
            &["command", "no_params", "keep_existing_recovery_conf"],
            &["recovery_conf"],
            warnings,
        );
    }
    Ok(())
}

/// `bootstrap.dcs` (or nothing) over the defaults, validated.
pub(crate) fn bootstrap_dcs(value: Option<&Value>) -> Result<DynamicConfig, ConfigError> {
    let prefix = |e: ConfigError| ConfigError::new(format!("bootstrap.dcs.{}", e.key), e.reason);
    let dynamic = match value {
        None => DynamicConfig::default(),
        Some(v) => DynamicConfig::from_json(v).map_err(prefix)?,
    };
    dynamic.validate().map_err(prefix)?;
    Ok(dynamic)
}
