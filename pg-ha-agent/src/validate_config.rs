//! `pg-ha-agent --validate-config FILE`, as Patroni's: every problem a start would hit,
//! without starting anything. Each part of the configuration is checked on its own, so that
//! one report lists the problems of every section; a file that cannot be loaded at all is one
//! error.

use crate::config::{self, AgentConfig, DcsSection};
use crate::dcs_backend::connect as connect_dcs;
use crate::node::pg_settings;
use crate::postgres::listen::ListenAddr;
use crate::postgres::{validate, PgSettings, RunAs};
use crate::rest::RestSettings;
use pg_ha_core::config::ServerConfig;
use std::path::Path;

/// What `--validate-config` found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ValidationReport {
    /// Problems that stop the agent from starting.
    pub errors: Vec<String>,
    /// Keys with no effect and values replaced by defaults.
    pub warnings: Vec<String>,
}

impl ValidationReport {
    /// True when nothing would stop the agent from starting.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// The report as printed: one line per problem, then a verdict.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for e in &self.errors {
            out.push_str(&format!("error: {e}\n"));
        }
        for w in &self.warnings {
            out.push_str(&format!("warning: {w}\n"));
        }
        out.push_str(&match self.errors.len() {
            0 => format!(
                "the configuration is valid ({} warnings)\n",
                self.warnings.len()
            ),
            n => format!("the configuration is not valid: {n} errors\n"),
        });
        out
    }
}

/// Validates the configuration at `path` (with the `PATRONI_*` variables of `env` merged
/// over it). Must run inside a tokio runtime (the DCS clients are built, not connected).
pub fn validate_config(path: &Path, env: &[(String, String)]) -> ValidationReport {
    let mut report = ValidationReport::default();
    let loaded = match config::load(Some(path), env) {
        Ok(loaded) => loaded,
        Err(e) => {
            report.errors.push(e.to_string());
            return report;
        }
    };
    report.warnings = loaded.warnings.iter().map(ToString::to_string).collect();
    let cfg = &loaded.config;
    let dynamic = cfg.bootstrap_dynamic();
    if let Err(e) = dynamic.validate() {
        report.errors.push(format!("bootstrap.dcs: {e}"));
    }
    match pg_settings(cfg, &dynamic) {
        Ok(settings) => check_postgresql(&settings, &mut report),
        Err(e) => report.errors.push(e.to_string()),
    }
    check_dcs_and_rest(cfg, &mut report);
    report
}

/// The `postgresql` section: binaries, paths, addresses, the OS user, and what the server
/// configuration ignores or replaces.
fn check_postgresql(settings: &PgSettings, report: &mut ValidationReport) {
    let mut checks = vec![
        validate::binaries(settings).map(|_| ()),
        validate::absolute(&settings.data_dir).map(|_| ()),
        ListenAddr::parse("postgresql.listen", &settings.listen).map(|_| ()),
        RunAs::resolve(settings.run_as.as_deref()).map(|_| ()),
    ];
    if let Some(addr) = &settings.connect_address {
        checks.push(ListenAddr::parse("postgresql.connect_address", addr).map(|_| ()));
    }
    report.errors.extend(
        checks
            .into_iter()
            .filter_map(Result::err)
            .map(|e| e.to_string()),
    );
    let dynamic = pg_ha_core::config::PostgresqlDynamic::default();
    let (_, warnings) = ServerConfig::effective(&dynamic, &settings.local);
    report.warnings.extend(
        warnings
            .into_iter()
            .filter(|w| w.starts_with("postgresql.")),
    );
}

/// The DCS client and the REST API's TLS material, built as a start would build them.
fn check_dcs_and_rest(cfg: &AgentConfig, report: &mut ValidationReport) {
    let retry_timeout = cfg.bootstrap_dynamic().retry_timeout;
    if let Err(e) = connect_dcs(cfg, retry_timeout) {
        let key = cfg.dcs.as_ref().map_or("dcs", DcsSection::key);
        report.errors.push(format!("{key}: {e}"));
    }
    if let Err(e) = RestSettings::from_config(&cfg.restapi).check_tls() {
        report.errors.push(format!("restapi: {e}"));
    }
}
