//! A reload changes the log level of the running agent (its own test binary: the
//! subscriber is process-global): at ERROR an INFO line is dropped, after a reload to
//! INFO the next one is written, and back at ERROR it is dropped again.

use pg_ha_agent::config::{LogConfig, LogLevel};
use pg_ha_agent::logging;

#[test]
fn a_reload_changes_the_log_level() {
    if std::env::var_os("RUST_LOG").is_some() {
        // RUST_LOG wins over log.level on purpose; the test needs it unset.
        std::env::remove_var("RUST_LOG");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut log = LogConfig {
        level: LogLevel::Error,
        dir: Some(dir.path().to_path_buf()),
        ..LogConfig::default()
    };
    assert!(!logging::reload(&log), "nothing to reload before init");
    logging::init(&log).expect("init");
    tracing::info!("line one");
    log.level = LogLevel::Info;
    assert!(logging::reload(&log));
    tracing::info!("line two");
    log.level = LogLevel::Error;
    assert!(logging::reload(&log));
    tracing::info!("line three");
    let text = std::fs::read_to_string(dir.path().join(logging::FILE_NAME)).unwrap_or_default();
    assert!(!text.contains("line one"), "{text}");
    assert!(text.contains("line two"), "{text}");
    assert!(!text.contains("line three"), "{text}");
}
