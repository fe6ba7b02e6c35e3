//! Connects the DCS backend named by the config's DCS section, among those compiled in.

use crate::config::{AgentConfig, DcsSection};
use pg_ha_core::Dcs;
use std::sync::Arc;
use std::time::Duration;

/// The DCS client for the cluster of `cfg` (its DCS section, `scope` and `namespace`), with
/// `retry_timeout` as the per-request deadline. Used by the node and by `pg-ha-ctl`. A section
/// whose backend is not compiled in was already refused by config loading; this reports it
/// again rather than panic.
pub fn connect(cfg: &AgentConfig, retry_timeout: Duration) -> Result<Arc<dyn Dcs>, String> {
    let namespace = Some(cfg.namespace.as_str());
    let Some(section) = &cfg.dcs else {
        return Err(crate::config::LoadError::NoDcs.to_string());
    };
    match section {
        #[cfg(feature = "etcd")]
        DcsSection::Etcd3(section) => {
            let config =
                dcs_etcd::EtcdConfig::from_patroni(section, &cfg.scope, namespace, retry_timeout)
                    .map_err(|e| e.to_string())?;
            Ok(Arc::new(
                dcs_etcd::EtcdDcs::new(&config).map_err(|e| e.to_string())?,
            ))
        }
        #[cfg(feature = "consul")]
        DcsSection::Consul(section) => {
            let config = dcs_consul::ConsulConfig::from_patroni(
                section,
                &cfg.scope,
                namespace,
                retry_timeout,
            )
            .map_err(|e| e.to_string())?;
            Ok(Arc::new(
                dcs_consul::ConsulDcs::new(&config).map_err(|e| e.to_string())?,
            ))
        }
        #[cfg(feature = "zookeeper")]
        DcsSection::Zookeeper(section) => {
            let config = dcs_zookeeper::ZooKeeperConfig::from_patroni(
                section,
                &cfg.scope,
                namespace,
                retry_timeout,
            )
            .map_err(|e| e.to_string())?;
            Ok(Arc::new(
                dcs_zookeeper::ZooKeeperDcs::new(&config).map_err(|e| e.to_string())?,
            ))
        }
        #[allow(unreachable_patterns)]
        other => Err(format!(
            "the `{}` section needs pg-ha-agent built with the `{}` cargo feature",
            other.key(),
            other.feature()
        )),
    }
}
