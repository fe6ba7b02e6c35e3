//! The DCS section: which backend, chosen by the key present, and its raw settings for the
//! backend crate to parse.

use super::section::Section;
use super::LoadError;
use serde_json::Value;

/// The DCS section, carrying its raw settings (each backend crate parses its own section).
#[derive(Debug, Clone, PartialEq)]
pub enum DcsSection {
    /// `etcd3:` (etcd v3 API). Patroni's `etcd:` (the v2 API) is refused at load time
    /// ([`LoadError::EtcdV2`]).
    Etcd3(Value),
    /// `consul:`.
    Consul(Value),
    /// `zookeeper:`.
    Zookeeper(Value),
}

/// The DCS keys pg-ha implements, with the cargo feature that compiles each in.
const BACKENDS: [(&str, &str); 4] = [
    ("etcd3", "etcd"),
    ("etcd", "etcd"),
    ("consul", "consul"),
    ("zookeeper", "zookeeper"),
];

/// Patroni DCS keys pg-ha does not implement.
const FOREIGN: [&str; 3] = ["exhibitor", "kubernetes", "raft"];

impl DcsSection {
    /// The section's key (`etcd3`, `consul`, `zookeeper`).
    pub fn key(&self) -> &'static str {
        match self {
            DcsSection::Etcd3(_) => "etcd3",
            DcsSection::Consul(_) => "consul",
            DcsSection::Zookeeper(_) => "zookeeper",
        }
    }

    /// The cargo feature that compiles this backend in.
    pub fn feature(&self) -> &'static str {
        feature_of(self.key())
    }

    /// The raw settings (a mapping; `{}` when the section was empty).
    pub fn settings(&self) -> &Value {
        match self {
            DcsSection::Etcd3(v) | DcsSection::Consul(v) | DcsSection::Zookeeper(v) => v,
        }
    }

    /// Picks the one DCS section of the configuration (`None` when there is none: an
    /// embedder may supply its own `Dcs`); errors when there are more than one, an
    /// unsupported one, or one whose backend is not compiled in.
    pub(crate) fn select(root: &Section<'_>) -> Result<Option<DcsSection>, LoadError> {
        if let Some(foreign) = FOREIGN.iter().find(|k| root.has(k)) {
            return Err(LoadError::UnsupportedDcs(foreign.to_string()));
        }
        let present: Vec<&str> = BACKENDS
            .iter()
            .map(|(key, _)| *key)
            .filter(|key| root.has(key))
            .collect();
        let key = match present.as_slice() {
            [] => return Ok(None),
            [one] => *one,
            many => return Err(LoadError::ManyDcs(many.join(", "))),
        };
        if key == "etcd" {
            return Err(LoadError::EtcdV2);
        }
        let settings = match root.get(key) {
            None => Value::Object(Default::default()),
            Some(v @ Value::Object(_)) => v.clone(),
            Some(other) => {
                return Err(pg_ha_core::ConfigError::new(
                    key,
                    format!(
                        "expected a mapping of settings, got {}",
                        super::section::describe(other)
                    ),
                )
                .into())
            }
        };
        let section = match key {
            "etcd3" => DcsSection::Etcd3(settings),
            "consul" => DcsSection::Consul(settings),
            _ => DcsSection::Zookeeper(settings),
        };
        if !compiled_in(section.feature()) {
            return Err(LoadError::FeatureMissing {
                section: key.to_string(),
                feature: section.feature().to_string(),
            });
        }
        Ok(Some(section))
    }
}

fn feature_of(key: &str) -> &'static str {
    BACKENDS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("etcd", |(_, feature)| feature)
}

/// True when the backend behind `feature` is compiled into this build.
pub fn compiled_in(feature: &str) -> bool {
    (feature == "etcd" && cfg!(feature = "etcd"))
        || (feature == "consul" && cfg!(feature = "consul"))
        || (feature == "zookeeper" && cfg!(feature = "zookeeper"))
}
