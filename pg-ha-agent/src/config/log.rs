//! The `log` section: only the level is applied (pg-ha logs through `tracing`).

use super::section::Section;
use super::ConfigWarning;
use pg_ha_core::ConfigError;

/// Logging settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogConfig {
    /// `log.level`, default INFO.
    pub level: LogLevel,
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

const UNSUPPORTED: [&str; 12] = [
    "type",
    "traceback_level",
    "format",
    "dateformat",
    "static_fields",
    "max_queue_size",
    "dir",
    "mode",
    "file_num",
    "file_size",
    "loggers",
    "deduplicate_heartbeat_logs",
];

impl LogConfig {
    /// Reads the optional `log` section.
    pub(crate) fn read(
        root: &Section<'_>,
        warnings: &mut Vec<ConfigWarning>,
    ) -> Result<LogConfig, ConfigError> {
        let s = root.sub("log")?;
        s.warn_keys(&["level"], &UNSUPPORTED, warnings);
        let level = match s
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
        };
        Ok(LogConfig { level })
    }
}
