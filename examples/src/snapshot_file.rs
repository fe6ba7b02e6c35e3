//! Reading a cluster's keys from a JSON dump: `{"header": {"revision": n}, "keys": {"/<namespace>/<scope>/<key>": {"value": ..., "mod_revision": n}}}`
//! (etcd's, as `spec/samples` holds), or a flat `{"<key>": value}` map of relative keys.

use pg_ha_core::model::{Entry, Snapshot};
use serde_json::Value;

/// The snapshot in `text`.
pub fn parse(text: &str) -> Result<Snapshot, String> {
    let dump: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let keys = dump
        .get("keys")
        .unwrap_or(&dump)
        .as_object()
        .ok_or("expected an object of keys")?;
    let revision = dump
        .pointer("/header/revision")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let entries = keys
        .iter()
        .map(|(key, stored)| {
            let (value, version) = match stored.get("value") {
                Some(value) => (value, stored.get("mod_revision").and_then(Value::as_u64)),
                None => (stored, None),
            };
            Entry {
                key: relative(key).to_string(),
                value: text_of(value),
                version: version.unwrap_or(revision),
                session: None,
            }
        })
        .collect();
    Ok(Snapshot { revision, entries })
}

/// `/service/demo/members/node1` -> `members/node1`; relative keys stay as they are.
fn relative(key: &str) -> &str {
    if !key.starts_with('/') {
        return key;
    }
    key.splitn(4, '/').nth(3).unwrap_or(key)
}

/// A value as the DCS stores it: strings as they are, anything else as compact JSON.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etcd_dumps_and_flat_maps_give_relative_keys() {
        let s = parse(
            r#"{"header":{"revision":9},"keys":{"/service/demo/leader":{"value":"n1","mod_revision":4},
               "/service/demo/members/n1":{"value":{"role":"primary"},"mod_revision":5}}}"#,
        )
        .expect("dump");
        assert_eq!(s.revision, 9);
        let leader = s.get("leader").expect("leader");
        assert_eq!((leader.value.as_str(), leader.version), ("n1", 4));
        assert_eq!(
            s.get("members/n1").map(|e| e.value.as_str()),
            Some(r#"{"role":"primary"}"#)
        );
        let flat = parse(r#"{"leader": "n2"}"#).expect("flat");
        assert_eq!(flat.get("leader").map(|e| e.value.as_str()), Some("n2"));
        assert!(parse("[1]").is_err());
    }
}
