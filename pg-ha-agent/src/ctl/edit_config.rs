//! `show-config` and `edit-config`. The `config` key is read and written directly in the
//! DCS, as patronictl does; the write is conditional on the version read, so a concurrent
//! change aborts it. A configuration the nodes could not apply is refused before writing.

use super::command::EditConfigArgs;
use super::config_patch::{parse_mapping, set_pair, to_yaml};
use super::diff::unified;
use super::prompt::Prompter;
use super::session::Session;
use super::CtlError;
use pg_ha_core::config::patch_config;
use pg_ha_core::model::{Condition, ConfigEntry, Key};
use pg_ha_core::DynamicConfig;
use serde_json::{Map, Value};
use std::io::{IsTerminal, Read};

/// The `config` key, or the error patronictl gives when there is none.
fn config_entry(entry: Option<ConfigEntry>, scope: &str) -> Result<ConfigEntry, CtlError> {
    entry.ok_or_else(|| {
        CtlError::failed(format!(
            "The config key does not exist in the cluster {scope}"
        ))
    })
}

fn as_map(value: &Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    }
}

/// Runs `show-config`: the `config` key as YAML.
pub async fn show(session: &Session) -> Result<(), CtlError> {
    let cluster = session.cluster().await?;
    let entry = config_entry(cluster.config, session.scope())?;
    print!("{}", to_yaml(&as_map(&entry.raw)));
    Ok(())
}

/// The configuration after the changes `args` asks for (`--replace`, then `--apply`, then
/// `--set` and `--pg`), or `None` when it asks for none.
pub fn apply_changes(
    before: &Map<String, Value>,
    args: &EditConfigArgs,
    read: impl Fn(&str) -> Result<String, CtlError>,
) -> Result<Option<Map<String, Value>>, CtlError> {
    let pg_pairs = args.pg.iter().map(|p| format!("postgresql.parameters.{p}"));
    let pairs: Vec<String> = args.sets.iter().cloned().chain(pg_pairs).collect();
    if args.replace.is_none() && args.apply.is_none() && pairs.is_empty() {
        return Ok(None);
    }
    let mut after = before.clone();
    if let Some(source) = &args.replace {
        after = parse_mapping(&read(source)?, source)?;
    }
    if let Some(source) = &args.apply {
        patch_config(&mut after, &parse_mapping(&read(source)?, source)?);
    }
    for pair in &pairs {
        set_pair(&mut after, pair)?;
    }
    Ok(Some(after))
}

/// Runs `edit-config`.
pub async fn edit(session: &Session, args: &EditConfigArgs) -> Result<(), CtlError> {
    let cluster = session.cluster().await?;
    let entry = config_entry(cluster.config, session.scope())?;
    let before = as_map(&entry.raw);
    let after = match apply_changes(&before, args, read_source)? {
        Some(after) => after,
        None => edit_in_editor(&before)?,
    };
    if after == before {
        println!("Not changed");
        return Ok(());
    }
    let value = Value::Object(after.clone());
    if let Err(e) = DynamicConfig::from_json(&value).and_then(|c| c.validate()) {
        return Err(CtlError::failed(format!(
            "the new configuration is invalid, nothing was written: {e}"
        )));
    }
    if !args.quiet {
        print!("{}", unified(&to_yaml(&before), &to_yaml(&after)));
    }
    Prompter::new(args.force).confirm("Apply these changes?")?;
    let written = session
        .dcs()
        .write(
            Key::Config,
            &value.to_string(),
            Condition::Version(entry.version),
        )
        .await?;
    match written {
        Some(_) => {
            println!("Configuration changed");
            Ok(())
        }
        None => Err(CtlError::failed(
            "Config modification aborted due to concurrent changes",
        )),
    }
}

/// The text of `source`: a file, or standard input for `-`.
fn read_source(source: &str) -> Result<String, CtlError> {
    if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CtlError::failed(format!("cannot read standard input: {e}")))?;
        return Ok(text);
    }
    std::fs::read_to_string(source)
        .map_err(|e| CtlError::failed(format!("cannot read {source}: {e}")))
}

/// Opens `$EDITOR` (else `$VISUAL`, else `vi`) on the configuration as YAML, on a terminal
/// only, and reads the result back.
fn edit_in_editor(before: &Map<String, Value>) -> Result<Map<String, Value>, CtlError> {
    if !std::io::stdin().is_terminal() {
        return Err(CtlError::Usage(
            "edit-config needs --set, --pg, --apply or --replace when no terminal is attached"
                .into(),
        ));
    }
    let path = std::env::temp_dir().join(format!("pg-ha-ctl-config-{}.yaml", std::process::id()));
    std::fs::write(&path, to_yaml(before))
        .map_err(|e| CtlError::failed(format!("cannot write {}: {e}", path.display())))?;
    let editor = std::env::var("EDITOR")
        .or_else(|_| std::env::var("VISUAL"))
        .unwrap_or_else(|_| "vi".to_string());
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&path)
        .status();
    let text = std::fs::read_to_string(&path);
    let _ = std::fs::remove_file(&path);
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => return Err(CtlError::failed(format!("{editor} exited with {s}"))),
        Err(e) => return Err(CtlError::failed(format!("cannot run {editor}: {e}"))),
    }
    let text = text.map_err(|e| CtlError::failed(format!("cannot read the edited file: {e}")))?;
    parse_mapping(&text, "the edited configuration")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn before() -> Map<String, Value> {
        as_map(&json!({"ttl": 30, "loop_wait": 10, "pause": true}))
    }

    #[test]
    fn replace_then_apply_then_set() {
        let args = EditConfigArgs {
            replace: Some("r.yml".into()),
            apply: Some("a.yml".into()),
            sets: vec!["ttl=50".into()],
            pg: vec!["work_mem=8MB".into()],
            ..EditConfigArgs::default()
        };
        let read = |name: &str| {
            Ok(match name {
                "r.yml" => "ttl: 20\nloop_wait: 5\n".to_string(),
                _ => "loop_wait: null\nretry_timeout: 5\n".to_string(),
            })
        };
        let after = apply_changes(&before(), &args, read).expect("applies");
        assert_eq!(
            after.map(Value::Object),
            Some(json!({"ttl": 50, "retry_timeout": 5,
                "postgresql": {"parameters": {"work_mem": "8MB"}}}))
        );
    }

    #[test]
    fn no_changes_asked() {
        let none = apply_changes(&before(), &EditConfigArgs::default(), |_| {
            Err(CtlError::failed("not read"))
        });
        assert!(matches!(none, Ok(None)));
        let unreadable = EditConfigArgs {
            apply: Some("missing.yml".into()),
            ..EditConfigArgs::default()
        };
        assert!(apply_changes(&before(), &unreadable, read_source).is_err());
    }
}
