//! `TreeProvider`: a figment provider over an already parsed configuration tree. The YAML
//! file(s), `PATRONI_CONFIGURATION` and the `PATRONI_*` variables each become one, and
//! figment merges them (mappings recursively, later sources win).
//!
//! figment's own `yaml` feature pulls in the deprecated serde_yaml; parsing with
//! serde_norway first and handing figment the tree avoids it.

use figment::value::{Dict, Map};
use figment::{Error, Metadata, Profile, Provider};
use serde::Deserialize;
use serde_json::Value;

/// One configuration source for figment.
#[derive(Debug, Clone)]
pub struct TreeProvider {
    name: String,
    tree: Value,
}

impl TreeProvider {
    /// A source called `name` (shown in figment's errors) holding `tree`; `null` is empty.
    pub fn new(name: impl Into<String>, tree: Value) -> TreeProvider {
        TreeProvider {
            name: name.into(),
            tree,
        }
    }
}

impl Provider for TreeProvider {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name.clone())
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        let dict = match &self.tree {
            Value::Null => Dict::new(),
            tree => Dict::deserialize(tree).map_err(|e| Error::from(e.to_string()))?,
        };
        Ok(Profile::Default.collect(dict))
    }
}
