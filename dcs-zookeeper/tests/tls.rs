//! ZooKeeper over TLS (mutual TLS, as Patroni's `use_ssl`, `cacert`, `cert`, `key`): the whole
//! conformance suite runs over a TLS-only port of a real ZooKeeper 3.8, and a client without
//! a certificate, or that trusts another CA, gets an error instead of a session.
//!
//! With both rustls providers linked (`cargo test --workspace --all-features`: ring from the
//! agent, aws-lc-rs from zookeeper-client), this also checks that the backend picks a
//! provider instead of panicking.

mod support;

use async_trait::async_trait;
use dcs_zookeeper::{TlsPaths, ZooKeeperConfig, ZooKeeperDcs};
use pg_ha_core::testing::conformance::{run_all, Harness};
use pg_ha_core::Dcs;
use std::time::Duration;
use support::pki::{make_pki, Pki};
use support::{config_for, ServerTls, ZkServer};

const TTL: Duration = Duration::from_secs(2);

/// A TLS-enabled server and its PKI (the temp dir holds the PEM files).
struct TlsZk {
    zk: ZkServer,
    pki: Pki,
    _dir: tempfile::TempDir,
}

impl TlsZk {
    async fn start() -> TlsZk {
        let dir = tempfile::tempdir().expect("temp dir for the PKI");
        let pki = make_pki(dir.path());
        let zk = ZkServer::start_tls(ServerTls {
            key_store: pki.server_bundle.clone(),
            trust_store: pki.ca.clone(),
        })
        .await;
        TlsZk { zk, pki, _dir: dir }
    }

    /// A backend config for the TLS port with the given files.
    fn config(&self, scope: &str, tls: TlsPaths) -> ZooKeeperConfig {
        let address = self.zk.tls_address().expect("a TLS port");
        let mut config = config_for(&address, "/service", scope, TTL);
        config.tls = Some(tls);
        config
    }

    /// The CA and the client certificate: what a Patroni `use_ssl` section names.
    fn mutual(&self) -> TlsPaths {
        TlsPaths {
            ca: Some(self.pki.ca.clone()),
            cert: Some(self.pki.client_cert.clone()),
            key: Some(self.pki.client_key.clone()),
        }
    }
}

#[async_trait]
impl Harness for TlsZk {
    async fn client(&self, scope: &str, _node: &str) -> Box<dyn Dcs> {
        Box::new(ZooKeeperDcs::new(&self.config(scope, self.mutual())).expect("TLS config"))
    }

    async fn advance(&self, by: Duration) {
        tokio::time::sleep(by).await;
    }

    fn ttl(&self) -> Duration {
        TTL
    }

    fn expiry_slack(&self) -> Duration {
        Duration::from_secs(1)
    }

    fn silent_lease_expires(&self) -> bool {
        false
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_suite_passes_over_mutual_tls() {
    let zk = TlsZk::start().await;
    run_all(&zk).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_without_a_certificate_or_with_another_ca_are_refused() {
    let zk = TlsZk::start().await;
    let trusted = ZooKeeperDcs::new(&zk.config("refused", zk.mutual())).expect("config");
    assert!(
        trusted.read().await.is_ok(),
        "a client with the CA and a certificate must be served"
    );

    let no_cert = TlsPaths {
        ca: Some(zk.pki.ca.clone()),
        cert: None,
        key: None,
    };
    let anonymous = ZooKeeperDcs::new(&zk.config("refused", no_cert)).expect("config");
    let answer = tokio::time::timeout(Duration::from_secs(15), anonymous.read()).await;
    assert!(
        matches!(answer, Ok(Err(_))),
        "a client without a certificate got {answer:?}; the server requires one"
    );

    let other_dir = tempfile::tempdir().expect("temp dir");
    let other = make_pki(other_dir.path());
    let wrong_ca = TlsPaths {
        ca: Some(other.ca.clone()),
        ..zk.mutual()
    };
    let distrustful = ZooKeeperDcs::new(&zk.config("refused", wrong_ca)).expect("config");
    let answer = tokio::time::timeout(Duration::from_secs(15), distrustful.read()).await;
    assert!(
        matches!(answer, Ok(Err(_))),
        "a client that trusts another CA got {answer:?}"
    );
}
