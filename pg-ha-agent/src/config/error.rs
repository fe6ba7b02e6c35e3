//! Errors of loading the local configuration.

use pg_ha_core::ConfigError;
use std::path::PathBuf;

/// Why the configuration could not be loaded. Every variant names the file, variable or key
/// at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The configuration file (or directory) could not be read.
    #[error("cannot read the configuration {path}: {source}")]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A YAML document does not parse.
    #[error("{origin} is not valid YAML: {reason}")]
    Yaml {
        /// Where the text came from (a path or a variable name).
        origin: String,
        /// The parser's message, with the line and column.
        reason: String,
    },
    /// A value is wrong: names the key and the expected form.
    #[error(transparent)]
    Invalid(#[from] ConfigError),
    /// No DCS section at all.
    #[error(
        "no DCS section: the configuration needs exactly one of `etcd3`, `consul` or \
         `zookeeper` (or PATRONI_ETCD3_HOSTS and the like), unless the program embedding the \
         node supplies its own DCS"
    )]
    NoDcs,
    /// More than one DCS section.
    #[error("more than one DCS section ({0}): keep exactly one")]
    ManyDcs(String),
    /// Patroni's `etcd:` section: the etcd v2 API, whose keys pg-ha cannot read.
    #[error(
        "the `etcd` section is Patroni's etcd v2 API: pg-ha speaks only v3, where a cluster \
         kept in v2 keys is invisible (it would look empty and be bootstrapped again). Move \
         the cluster to `etcd3:` first: on every Patroni node rename the section to `etcd3` \
         (same hosts) and restart Patroni node by node; then start pg-ha with that file"
    )]
    EtcdV2,
    /// A DCS section for a backend that pg-ha does not implement.
    #[error("the `{0}` DCS is not supported by pg-ha: use `etcd3`, `consul` or `zookeeper`")]
    UnsupportedDcs(String),
    /// A DCS section for a backend that this binary was built without.
    #[error(
        "the `{section}` DCS section needs pg-ha-agent built with the cargo feature \
         `{feature}` (cargo build --features {feature})"
    )]
    FeatureMissing {
        /// The section key.
        section: String,
        /// The cargo feature that compiles its backend in.
        feature: String,
    },
    /// Merging the sources failed (figment).
    #[error("cannot merge the configuration sources: {0}")]
    Merge(String),
}
