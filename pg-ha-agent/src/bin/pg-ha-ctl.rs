//! `pg-ha-ctl [-c CONFIG.yml] COMMAND ...`: manage a pg-ha (or Patroni) cluster, like
//! patronictl. Only wiring: arguments -> [`pg_ha_agent::ctl::run`] -> exit code.

use pg_ha_agent::ctl;
use std::process::ExitCode;

fn main() -> ExitCode {
    pg_ha_agent::crypto::install_default_provider();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let invocation = match ctl::parse(&args) {
        Ok(invocation) => invocation,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::from(e.exit_code());
        }
    };
    init_logging();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("Error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(ctl::run(invocation)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Warnings and errors of the libraries on stderr (`PG_HA_CTL_LOG` / `RUST_LOG` to change).
fn init_logging() {
    let filter = std::env::var("PG_HA_CTL_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "warn".to_string());
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
