//! The `watchdog` section (Patroni's): `mode` off | automatic | required, `device`
//! (`/dev/watchdog`), `safety_margin` (5 s; -1 = half the ttl) and `driver` (`default`, or
//! `testing`: timeouts written to the device as text, for tests). Without the section the
//! watchdog is off (Patroni's default is automatic: see docs/patroni-keys.md).

use super::section::{parse_bool, Section};
use super::ConfigWarning;
use pg_ha_core::ConfigError;
use serde_json::Value;
use std::path::PathBuf;

/// How the watchdog is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WatchdogMode {
    /// Not used.
    #[default]
    Off,
    /// Used when the device works; problems are logged.
    Automatic,
    /// This node does not lead without it.
    Required,
}

/// How the device is driven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WatchdogDriver {
    /// The Linux watchdog API (ioctl for the timeout).
    #[default]
    Linux,
    /// Patroni's testing driver: the timeout is written as `Ctimeout=N\n` instead of an
    /// ioctl, so a plain file or a pipe can stand in for the device.
    Testing,
}

/// The watchdog settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WatchdogConfig {
    /// `mode`.
    pub mode: WatchdogMode,
    /// `device`, default `/dev/watchdog`.
    pub device: PathBuf,
    /// `safety_margin` in seconds (default 5); -1 means half the ttl.
    pub safety_margin: i64,
    /// `driver`.
    pub driver: WatchdogDriver,
}

const SUPPORTED: [&str; 4] = ["mode", "device", "safety_margin", "driver"];

impl WatchdogConfig {
    /// Reads the optional `watchdog` section.
    pub(crate) fn read(
        root: &Section<'_>,
        warnings: &mut Vec<ConfigWarning>,
    ) -> Result<WatchdogConfig, ConfigError> {
        if !root.has("watchdog") {
            return Ok(WatchdogConfig::default());
        }
        let s = root.sub("watchdog")?;
        s.warn_keys(&SUPPORTED, &[], warnings);
        Ok(WatchdogConfig {
            mode: mode(&s)?,
            device: s
                .string("device")?
                .map_or_else(|| PathBuf::from("/dev/watchdog"), PathBuf::from),
            safety_margin: safety_margin(&s)?,
            driver: match s.string("driver")?.as_deref() {
                None | Some("default") => WatchdogDriver::Linux,
                Some("testing") => WatchdogDriver::Testing,
                Some(other) => {
                    return Err(ConfigError::new(
                        s.key("driver"),
                        format!("expected default or testing, got {other:?}"),
                    ))
                }
            },
        })
    }

    /// The timeout for a lease of `ttl` seconds: ttl less the safety margin.
    pub fn timeout_for(&self, ttl: u64) -> i64 {
        if self.safety_margin < 0 {
            (ttl / 2) as i64
        } else {
            ttl as i64 - self.safety_margin
        }
    }
}

/// Patroni's `parse_mode`: a boolean false is off; `require(d)`, `auto(matic)`,
/// `off` / `disable(d)`.
fn mode(s: &Section<'_>) -> Result<WatchdogMode, ConfigError> {
    let Some(value) = s.get("mode") else {
        return Ok(WatchdogMode::Automatic);
    };
    if parse_bool(value) == Some(false) {
        return Ok(WatchdogMode::Off);
    }
    let text = value.as_str().map(str::to_ascii_lowercase);
    match text.as_deref() {
        Some("require" | "required") => Ok(WatchdogMode::Required),
        Some("auto" | "automatic") => Ok(WatchdogMode::Automatic),
        Some("off" | "disable" | "disabled") => Ok(WatchdogMode::Off),
        _ => Err(ConfigError::new(
            s.key("mode"),
            format!("expected off, automatic or required, got {value}"),
        )),
    }
}

fn safety_margin(s: &Section<'_>) -> Result<i64, ConfigError> {
    let Some(value) = s.get("safety_margin") else {
        return Ok(5);
    };
    let number = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    };
    number
        .filter(|n| *n >= -1)
        .ok_or_else(|| ConfigError::new(s.key("safety_margin"), "expected seconds, or -1"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(value: Value) -> Result<WatchdogConfig, ConfigError> {
        let root = json!({ "watchdog": value });
        let section = Section::root(&root)?;
        WatchdogConfig::read(&section, &mut Vec::new())
    }

    #[test]
    fn modes_parse_as_on_patroni() {
        assert_eq!(read(json!({})).expect("ok").mode, WatchdogMode::Automatic);
        assert_eq!(
            read(json!({"mode": "required"})).expect("ok").mode,
            WatchdogMode::Required
        );
        assert_eq!(
            read(json!({"mode": false})).expect("ok").mode,
            WatchdogMode::Off
        );
        assert_eq!(
            read(json!({"mode": "disabled"})).expect("ok").mode,
            WatchdogMode::Off
        );
        let err = read(json!({"mode": "sometimes"})).expect_err("an error");
        assert!(err.to_string().contains("watchdog.mode"), "{err}");
        let root = json!({});
        let none =
            WatchdogConfig::read(&Section::root(&root).expect("ok"), &mut Vec::new()).expect("ok");
        assert_eq!(none.mode, WatchdogMode::Off);
    }

    #[test]
    fn the_timeout_is_the_ttl_less_the_safety_margin() {
        let c = read(json!({"safety_margin": 5})).expect("ok");
        assert_eq!(c.timeout_for(30), 25);
        let half = read(json!({"safety_margin": -1})).expect("ok");
        assert_eq!(half.timeout_for(30), 15);
        assert!(read(json!({"safety_margin": "soon"})).is_err());
        assert_eq!(c.device, PathBuf::from("/dev/watchdog"));
    }
}
