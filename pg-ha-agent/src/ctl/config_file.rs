//! Which configuration file `pg-ha-ctl` reads, and reading it.
//!
//! The file is the agent's YAML (Patroni's format), loaded by [`crate::config::load`] with the
//! `PATRONI_*` overrides. A ctl-only file (say, a `patronictl.yaml` with just the DCS and `ctl`
//! sections) lacks keys only the agent needs (`name`, `restapi.listen`, `postgresql`): those
//! are filled with placeholders, since the ctl never uses them.

use super::CtlError;
use crate::config::{self, AgentConfig};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The variable naming the default configuration file, as for patronictl.
pub const CONFIG_FILE_VAR: &str = "PATRONICTL_CONFIG_FILE";

/// The file to read: `explicit` (`-c`), else `$PATRONICTL_CONFIG_FILE`, else
/// `~/.config/patroni/patronictl.yaml`.
pub fn resolve(explicit: Option<&Path>) -> Result<PathBuf, CtlError> {
    if let Some(path) = explicit {
        return Ok(path.to_path_buf());
    }
    if let Some(path) = std::env::var_os(CONFIG_FILE_VAR).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".config/patroni/patronictl.yaml")),
        None => Err(CtlError::Config(format!(
            "no configuration file: pass -c CONFIG.yml or set {CONFIG_FILE_VAR}"
        ))),
    }
}

/// Reads and validates the configuration at `path`.
pub fn load(path: &Path) -> Result<AgentConfig, CtlError> {
    if !path.exists() {
        return Err(CtlError::Config(format!(
            "configuration file {} not found (pass -c CONFIG.yml or set {CONFIG_FILE_VAR})",
            path.display()
        )));
    }
    let env = config::process_env();
    let config = match config::load(Some(path), &env) {
        Ok(loaded) => loaded.config,
        Err(first) => {
            let origin = path.display().to_string();
            let lenient = (!path.is_dir())
                .then(|| std::fs::read_to_string(path).ok())
                .flatten()
                .and_then(|text| with_placeholders(&text))
                .and_then(|yaml| config::load_str(&origin, &yaml, &env).ok());
            match lenient {
                Some(loaded) => loaded.config,
                None => {
                    return Err(CtlError::Config(format!(
                        "invalid configuration {origin}: {first}"
                    )))
                }
            }
        }
    };
    // The ctl always talks to the DCS: a file without a DCS section is invalid here.
    if config.dcs.is_none() {
        return Err(CtlError::Config(format!(
            "invalid configuration {}: {}",
            path.display(),
            config::LoadError::NoDcs
        )));
    }
    Ok(config)
}

/// The configuration when there is no file but `--dcs-url` names the DCS: placeholders, and
/// the cluster named on the command line as the scope.
pub fn without_file(cluster: Option<&str>) -> Result<AgentConfig, CtlError> {
    let cluster = cluster.ok_or_else(|| {
        CtlError::Config(
            "no configuration file: with --dcs-url alone, name the cluster (list CLUSTER)"
                .to_string(),
        )
    })?;
    let yaml = with_placeholders(&format!("scope: {}\n", json!(cluster)))
        .ok_or_else(|| CtlError::Config("cannot build a configuration".to_string()))?;
    config::load_str("--dcs-url", &yaml, &[])
        .map(|loaded| loaded.config)
        .map_err(|e| CtlError::Config(format!("invalid configuration: {e}")))
}

/// `text` with the agent-only keys it lacks filled in, or `None` when nothing is missing
/// (or it is not a YAML mapping).
fn with_placeholders(text: &str) -> Option<String> {
    let mut tree: Value = serde_norway::from_str(text).ok()?;
    let root = tree.as_object_mut()?;
    let mut filled = false;
    if !root.contains_key("name") {
        root.insert("name".into(), json!("pg-ha-ctl"));
        filled = true;
    }
    let restapi = root.entry("restapi").or_insert_with(|| json!({}));
    if let Some(restapi) = restapi.as_object_mut() {
        if !restapi.contains_key("listen") {
            restapi.insert("listen".into(), json!("127.0.0.1:8008"));
            filled = true;
        }
    }
    if !root.contains_key("postgresql") {
        root.insert(
            "postgresql".into(),
            json!({"listen": "127.0.0.1:5432", "data_dir": "/nonexistent/pg-ha-ctl"}),
        );
        filled = true;
    }
    if !filled {
        return None;
    }
    serde_norway::to_string(&tree).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctl_only_files_get_placeholders() {
        let yaml = "scope: demo\netcd3:\n  hosts: 127.0.0.1:2379\nctl:\n  authentication:\n    username: a\n    password: b\n";
        let filled = with_placeholders(yaml).expect("filled");
        let loaded = config::load_str("t", &filled, &[]).expect("loads");
        assert_eq!(loaded.config.scope, "demo");
        assert_eq!(
            loaded.config.ctl.authentication.map(|a| a.username),
            Some("a".to_string())
        );
    }

    #[test]
    fn complete_files_and_non_mappings_are_left_alone() {
        let yaml = "name: n\nrestapi:\n  listen: 1.2.3.4:8008\npostgresql:\n  listen: x\n";
        assert_eq!(with_placeholders(yaml), None);
        assert_eq!(with_placeholders("- a\n- b\n"), None);
    }

    #[test]
    fn missing_file_is_a_clear_error() {
        let e = load(Path::new("/nonexistent/pg-ha-ctl.yml")).expect_err("missing");
        assert!(e
            .to_string()
            .contains("configuration file /nonexistent/pg-ha-ctl.yml not found"));
    }
}
