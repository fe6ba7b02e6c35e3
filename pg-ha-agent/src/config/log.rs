//! The `log` section: level, plain or JSON lines with Patroni's `format`, `dateformat` and
//! `static_fields`, and a size-rotated file in `dir` (`file_num`, `file_size`, `mode`).

use super::section::Section;
use super::ConfigWarning;
use pg_ha_core::ConfigError;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Patroni's default `log.format`.
pub const DEFAULT_FORMAT: &str = "%(asctime)s %(levelname)s: %(message)s";

/// Logging settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogConfig {
    /// `log.level`, default INFO.
    pub level: LogLevel,
    /// `log.type`: `plain` (default) or `json`.
    pub json: bool,
    /// `log.format`: a Python logging template (`%(asctime)s %(levelname)s: %(message)s`);
    /// for JSON, the named fields are the keys written (a list of names is accepted too).
    pub format: String,
    /// `log.dateformat`: a strftime format for `asctime` (default: Python's
    /// `2026-12-03 13:00:00,123`).
    pub dateformat: Option<String>,
    /// `log.static_fields`: keys added to every JSON line.
    pub static_fields: BTreeMap<String, String>,
    /// `log.dir`: write `patroni.log` there instead of stderr.
    pub dir: Option<PathBuf>,
    /// `log.file_num`: rotated files kept (default 4).
    pub file_num: u32,
    /// `log.file_size`: bytes before a rotation (default 25,000,000).
    pub file_size: u64,
    /// `log.mode`: the log files' permissions (default 0o600).
    pub mode: u32,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: LogLevel::Info,
            json: false,
            format: DEFAULT_FORMAT.to_string(),
            dateformat: None,
            static_fields: BTreeMap::new(),
            dir: None,
            file_num: 4,
            file_size: 25_000_000,
            mode: 0o600,
        }
    }
}

/// Patroni's log levels mapped onto tracing's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogLevel {
    /// DEBUG
    Debug,
    /// INFO (the default)
    #[default]
    Info,
    /// WARNING
    Warning,
    /// ERROR and CRITICAL
    Error,
}

impl LogLevel {
    /// The tracing level.
    pub fn tracing_level(self) -> tracing::Level {
        match self {
            LogLevel::Debug => tracing::Level::DEBUG,
            LogLevel::Info => tracing::Level::INFO,
            LogLevel::Warning => tracing::Level::WARN,
            LogLevel::Error => tracing::Level::ERROR,
        }
    }
}

/// Keys for Python's logging machinery, with no counterpart here.
const UNSUPPORTED: [&str; 4] = [
    "traceback_level",
    "max_queue_size",
    "loggers",
    "deduplicate_heartbeat_logs",
];

const SUPPORTED: [&str; 9] = [
    "level",
    "type",
    "format",
    "dateformat",
    "static_fields",
    "dir",
    "mode",
    "file_num",
    "file_size",
];

impl LogConfig {
    /// Reads the optional `log` section.
    pub(crate) fn read(
        root: &Section<'_>,
        warnings: &mut Vec<ConfigWarning>,
    ) -> Result<LogConfig, ConfigError> {
        let s = root.sub("log")?;
        s.warn_keys(&SUPPORTED, &UNSUPPORTED, warnings);
        let defaults = LogConfig::default();
        Ok(LogConfig {
            level: level(&s)?,
            json: match s.string("type")?.as_deref() {
                None | Some("plain") => false,
                Some("json") => true,
                Some(other) => {
                    return Err(ConfigError::new(
                        s.key("type"),
                        format!("expected plain or json, got {other:?}"),
                    ))
                }
            },
            format: format(&s)?,
            dateformat: dateformat(&s)?,
            static_fields: s.string_map("static_fields")?,
            dir: s.string("dir")?.map(PathBuf::from),
            file_num: number(&s, "file_num")?.map_or(Ok(defaults.file_num), |n| {
                u32::try_from(n).map_err(|_| ConfigError::new(s.key("file_num"), "too large"))
            })?,
            file_size: number(&s, "file_size")?.unwrap_or(defaults.file_size),
            mode: mode(&s)?.unwrap_or(defaults.mode),
        })
    }
}

fn level(s: &Section<'_>) -> Result<LogLevel, ConfigError> {
    Ok(
        match s
            .string("level")?
            .map(|l| l.to_ascii_uppercase())
            .as_deref()
        {
            None | Some("INFO") => LogLevel::Info,
            Some("DEBUG") | Some("NOTSET") => LogLevel::Debug,
            Some("WARNING") | Some("WARN") => LogLevel::Warning,
            Some("ERROR") | Some("CRITICAL") | Some("FATAL") => LogLevel::Error,
            Some(other) => {
                return Err(ConfigError::new(
                    s.key("level"),
                    format!("expected DEBUG, INFO, WARNING, ERROR or CRITICAL, got {other:?}"),
                ))
            }
        },
    )
}

/// `format`: a template string, or a list of field names (JSON).
fn format(s: &Section<'_>) -> Result<String, ConfigError> {
    match s.get("format") {
        None => Ok(DEFAULT_FORMAT.to_string()),
        Some(serde_json::Value::Array(_)) => Ok(s
            .string_list("format")?
            .iter()
            .map(|name| format!("%({name})s"))
            .collect::<Vec<_>>()
            .join(" ")),
        Some(_) => Ok(s.string("format")?.unwrap_or_default()),
    }
}

/// `dateformat`, checked as a strftime format.
fn dateformat(s: &Section<'_>) -> Result<Option<String>, ConfigError> {
    let Some(text) = s.string("dateformat")? else {
        return Ok(None);
    };
    let bad = chrono::format::StrftimeItems::new(&text)
        .any(|item| matches!(item, chrono::format::Item::Error));
    if bad {
        return Err(ConfigError::new(
            s.key("dateformat"),
            format!("not a strftime format: {text:?}"),
        ));
    }
    Ok(Some(text))
}

/// A non-negative integer; sizes may carry a unit (`25MB`, `1GB`).
fn number(s: &Section<'_>, key: &str) -> Result<Option<u64>, ConfigError> {
    let Some(text) = s.string(key)? else {
        return Ok(None);
    };
    let bad = || ConfigError::new(s.key(key), format!("expected a number, got {text:?}"));
    let (value, unit) = pg_ha_core::config::number_and_unit(&text).ok_or_else(bad)?;
    let factor = match unit {
        "" | "B" => 1.0,
        "kB" | "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        _ => return Err(bad()),
    };
    let value = value * factor;
    if value < 0.0 || value >= u64::MAX as f64 {
        return Err(bad());
    }
    Ok(Some(value as u64))
}

/// `mode`: octal permissions (`0640`, `"0o640"`, or the decimal value YAML reads from 0640).
fn mode(s: &Section<'_>) -> Result<Option<u32>, ConfigError> {
    let Some(value) = s.get("mode") else {
        return Ok(None);
    };
    let parsed = match value {
        // YAML 1.1 (Patroni) reads 0640 as octal (416); YAML 1.2 as decimal 640.
        serde_json::Value::Number(n) => n.as_u64().and_then(|n| match u32::try_from(n) {
            Ok(n) if n <= 0o777 => Some(n),
            _ => u32::from_str_radix(&n.to_string(), 8).ok(),
        }),
        serde_json::Value::String(t) => {
            let digits = t.trim().trim_start_matches("0o");
            u32::from_str_radix(digits, 8).ok()
        }
        _ => None,
    };
    parsed.filter(|m| *m <= 0o777).map(Some).ok_or_else(|| {
        ConfigError::new(
            s.key("mode"),
            format!("expected permissions like 0640, got {value}"),
        )
    })
}
