//! The agent's logging from the `log` section: level, Patroni's plain or JSON line format,
//! and stderr or a size-rotated `patroni.log` in `log.dir`. `RUST_LOG` overrides the level.

mod format;
mod rotating;

pub use format::PatroniFormat;
pub use rotating::{RotatingFile, FILE_NAME};

use crate::config::LogConfig;
use std::sync::OnceLock;
use tracing_subscriber::EnvFilter;

/// Replaces the level filter of the installed subscriber.
type SetFilter = Box<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

/// Set by [`init`]: how a reload changes the level.
static SET_FILTER: OnceLock<SetFilter> = OnceLock::new();

/// The filter for `log`: `RUST_LOG` when set, else `log.level`.
fn filter_of(log: &LogConfig) -> String {
    std::env::var("RUST_LOG")
        .unwrap_or_else(|_| log.level.tracing_level().to_string().to_lowercase())
}

/// Installs the global subscriber; fails when `log.dir` cannot be written.
pub fn init(log: &LogConfig) -> std::io::Result<()> {
    let format = PatroniFormat::new(
        &log.format,
        log.json,
        log.dateformat.clone(),
        log.static_fields.clone(),
    );
    let builder = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(filter_of(log)))
        .event_format(format);
    match &log.dir {
        Some(dir) => {
            let file = RotatingFile::open(dir, log.file_size, log.file_num, log.mode)?;
            let builder = builder.with_writer(file).with_filter_reloading();
            remember(builder.reload_handle());
            builder.init();
        }
        None => {
            let builder = builder.with_writer(std::io::stderr).with_filter_reloading();
            remember(builder.reload_handle());
            builder.init();
        }
    }
    Ok(())
}

fn remember<S: 'static>(handle: tracing_subscriber::reload::Handle<EnvFilter, S>) {
    let set: SetFilter = Box::new(move |filter| {
        handle
            .reload(EnvFilter::new(filter))
            .map_err(|e| e.to_string())
    });
    let _ = SET_FILTER.set(set);
}

/// Applies the level of a reloaded `log` section (`RUST_LOG`, when set, still wins); false
/// when no subscriber of [`init`] is installed. The format and `log.dir` stay until a
/// restart.
pub fn reload(log: &LogConfig) -> bool {
    let Some(set) = SET_FILTER.get() else {
        return false;
    };
    match set(&filter_of(log)) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!("cannot change the log level: {e}");
            false
        }
    }
}
