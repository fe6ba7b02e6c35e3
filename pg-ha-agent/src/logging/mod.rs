//! The agent's logging from the `log` section: level, Patroni's plain or JSON line format,
//! and stderr or a size-rotated `patroni.log` in `log.dir`. `RUST_LOG` overrides the level.

mod format;
mod rotating;

pub use format::PatroniFormat;
pub use rotating::{RotatingFile, FILE_NAME};

use crate::config::LogConfig;

/// Installs the global subscriber; fails when `log.dir` cannot be written.
pub fn init(log: &LogConfig) -> std::io::Result<()> {
    let filter = std::env::var("RUST_LOG")
        .unwrap_or_else(|_| log.level.tracing_level().to_string().to_lowercase());
    let format = PatroniFormat::new(
        &log.format,
        log.json,
        log.dateformat.clone(),
        log.static_fields.clone(),
    );
    let builder = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .event_format(format);
    match &log.dir {
        Some(dir) => {
            let file = RotatingFile::open(dir, log.file_size, log.file_num, log.mode)?;
            builder.with_writer(file).init();
        }
        None => builder.with_writer(std::io::stderr).init(),
    }
    Ok(())
}
