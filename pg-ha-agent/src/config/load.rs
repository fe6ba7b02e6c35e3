//! Loading: YAML file(s) or `PATRONI_CONFIGURATION`, plus `PATRONI_*` overrides, merged with
//! figment and validated into [`AgentConfig`].

use super::env::{env_config, CONFIGURATION_VAR, ENV_PREFIX};
use super::provider::TreeProvider;
use super::yaml::parse_yaml;
use super::{AgentConfig, ConfigWarning, LoadError};
use figment::Figment;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A loaded configuration and the warnings for keys that are not acted on.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The configuration.
    pub config: AgentConfig,
    /// One warning per ignored key (also logged by [`LoadedConfig::log_warnings`]).
    pub warnings: Vec<ConfigWarning>,
}

impl LoadedConfig {
    /// Logs every warning at WARN level.
    pub fn log_warnings(&self) {
        for w in &self.warnings {
            tracing::warn!("{w}");
        }
    }
}

/// Loads the configuration the way Patroni does:
///
/// - `path` given: the YAML file (or every `*.yml` / `*.yaml` of a directory, in sorted
///   order), with the `PATRONI_*` variables of `env` merged over it;
/// - no path and `PATRONI_CONFIGURATION` set: that YAML alone (other variables are ignored);
/// - otherwise the `PATRONI_*` variables alone.
///
/// `env` is the process environment (see [`super::process_env`]); variables without the
/// `PATRONI_` prefix are ignored.
pub fn load(path: Option<&Path>, env: &[(String, String)]) -> Result<LoadedConfig, LoadError> {
    match path {
        Some(path) => load_documents(read_path(path)?, env),
        None => match env_var(env, CONFIGURATION_VAR) {
            Some(text) => load_documents(vec![(CONFIGURATION_VAR.to_string(), text)], &[]),
            None => load_documents(Vec::new(), env),
        },
    }
}

/// Loads one YAML text (named `origin` in errors) with the `PATRONI_*` variables of `env`
/// merged over it.
pub fn load_str(
    origin: &str,
    yaml: &str,
    env: &[(String, String)],
) -> Result<LoadedConfig, LoadError> {
    load_documents(vec![(origin.to_string(), yaml.to_string())], env)
}

fn env_var(env: &[(String, String)], name: &str) -> Option<String> {
    env.iter()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.clone())
}

fn load_documents(
    documents: Vec<(String, String)>,
    env: &[(String, String)],
) -> Result<LoadedConfig, LoadError> {
    let mut figment = Figment::new();
    for (origin, text) in &documents {
        let tree = parse_yaml(origin, text)?;
        if !(tree.is_object() || tree.is_null()) {
            let got = super::section::describe(&tree);
            return Err(pg_ha_core::ConfigError::new(
                "(top level)",
                format!("expected a mapping of keys in {origin}, got {got}"),
            )
            .into());
        }
        figment = figment.merge(TreeProvider::new(origin.clone(), tree));
    }
    let patroni_env: Vec<(String, String)> = env
        .iter()
        .filter(|(k, _)| k.starts_with(ENV_PREFIX) && k != CONFIGURATION_VAR)
        .cloned()
        .collect();
    let (env_tree, mut warnings) = env_config(&patroni_env);
    figment = figment.merge(TreeProvider::new("PATRONI_* environment", env_tree));
    let merged: Value = figment
        .extract()
        .map_err(|e| LoadError::Merge(e.to_string()))?;
    let (config, more) = AgentConfig::from_value(merged)?;
    warnings.extend(more);
    Ok(LoadedConfig { config, warnings })
}

/// The YAML documents at `path`: the file, or a directory's YAML files in sorted order.
fn read_path(path: &Path) -> Result<Vec<(String, String)>, LoadError> {
    let read_err = |source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    };
    if !path.is_dir() {
        let text = std::fs::read_to_string(path).map_err(read_err)?;
        return Ok(vec![(path.display().to_string(), text)]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(read_err)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|ext| ext == "yml" || ext == "yaml")
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|file| {
            std::fs::read_to_string(&file)
                .map(|text| (file.display().to_string(), text))
                .map_err(|source| LoadError::Read { path: file, source })
        })
        .collect()
}
