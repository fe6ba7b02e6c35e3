//! `pg-ha-agent CONFIG.yml`: runs one pg-ha node, the way `patroni CONFIG.yml` does.
//! Only wiring: config -> node (backend, PostgreSQL, loop, REST) -> wait.

use pg_ha_agent::{config, node};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    pg_ha_agent::crypto::install_default_provider();
    let path = match std::env::args().nth(1).as_deref() {
        Some("--version") => {
            println!("pg-ha-agent {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Some("--help" | "-h") => {
            println!(
                "usage: pg-ha-agent CONFIG.yml   (Patroni's YAML format; PATRONI_* env overrides)\n\
                 \x20      pg-ha-agent --validate-config CONFIG.yml   (list every problem; exit 1 on errors)"
            );
            return ExitCode::SUCCESS;
        }
        Some("--validate-config") => return validate(std::env::args().nth(2)),
        Some(p) => Some(PathBuf::from(p)),
        None => None,
    };
    let loaded = match config::load(path.as_deref(), &config::process_env()) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("pg-ha-agent: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = pg_ha_agent::logging::init(&loaded.config.log) {
        eprintln!("pg-ha-agent: cannot write the log in log.dir: {e}");
        return ExitCode::from(2);
    }
    if loaded.config.dcs.is_none() {
        // Only an embedding program may leave the DCS out: the binary has no other.
        eprintln!("pg-ha-agent: {}", config::LoadError::NoDcs);
        return ExitCode::from(2);
    }
    loaded.log_warnings();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("pg-ha-agent: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(loaded, path))
}

/// `--validate-config FILE`: prints the report; exit 0 when valid, 1 with errors, 2 without
/// a file.
fn validate(path: Option<String>) -> ExitCode {
    let Some(path) = path else {
        eprintln!("usage: pg-ha-agent --validate-config CONFIG.yml");
        return ExitCode::from(2);
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let report = match runtime {
        Ok(rt) => rt.block_on(async {
            pg_ha_agent::validate_config::validate_config(
                std::path::Path::new(&path),
                &config::process_env(),
            )
        }),
        Err(e) => {
            eprintln!("pg-ha-agent: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    print!("{}", report.render());
    if report.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

async fn run(loaded: config::LoadedConfig, path: Option<PathBuf>) -> ExitCode {
    match node::NodeBuilder::new(loaded)
        .reload_from(path)
        .start()
        .await
    {
        Ok(node) => {
            if let Some(rest) = &node.rest {
                tracing::info!("REST API on {}", rest.base_url());
            }
            pg_ha_agent::sd_notify::notify("READY=1");
            let _ = node.task.await;
            if let Some(rest) = node.rest {
                rest.stop().await;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!("cannot start: {e}");
            eprintln!("pg-ha-agent: {e}");
            ExitCode::FAILURE
        }
    }
}
