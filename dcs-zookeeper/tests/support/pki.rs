//! A throw-away PKI for TLS tests: a CA, a server certificate for `localhost` / `127.0.0.1`
//! and a client certificate, written as PEM files.
//!
//! Uses only std and rcgen, so that other crates' tests (the agent's REST and end-to-end
//! tests) can include it with `#[path = ".../dcs-zookeeper/tests/support/pki.rs"]`.
#![allow(dead_code)]

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use std::path::{Path, PathBuf};

/// The PEM files of one test PKI.
pub(crate) struct Pki {
    /// The CA certificate.
    pub(crate) ca: PathBuf,
    /// The server certificate (localhost, 127.0.0.1).
    pub(crate) server_cert: PathBuf,
    /// The server's PKCS#8 private key.
    pub(crate) server_key: PathBuf,
    /// The server certificate followed by its key, in one file (ZooKeeper's PEM key store).
    pub(crate) server_bundle: PathBuf,
    /// A client certificate signed by the CA.
    pub(crate) client_cert: PathBuf,
    /// The client's PKCS#8 private key.
    pub(crate) client_key: PathBuf,
}

/// Generates a fresh PKI into `dir`.
pub(crate) fn make_pki(dir: &Path) -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // Distinct subjects: OpenSSL (libpq) takes a leaf whose subject equals its issuer's for
    // a self-signed certificate and refuses it.
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "pg-ha test CA");
    let ca_key = KeyPair::generate().expect("key");
    let ca_cert = ca_params.self_signed(&ca_key).expect("ca");
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf = |names: Vec<String>| {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(names.clone()).expect("params");
        params
            .distinguished_name
            .push(DnType::CommonName, names[0].as_str());
        let cert = params.signed_by(&key, &issuer).expect("sign");
        (cert.pem(), key.serialize_pem())
    };
    let (server_pem, server_key) = leaf(vec!["localhost".into(), "127.0.0.1".into()]);
    let (client_pem, client_key) = leaf(vec!["client.local".into()]);
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write pem");
        path
    };
    Pki {
        ca: write("ca.pem", &ca_cert.pem()),
        server_cert: write("server.pem", &server_pem),
        server_key: write("server.key", &server_key),
        server_bundle: write("server-bundle.pem", &format!("{server_pem}{server_key}")),
        client_cert: write("client.pem", &client_pem),
        client_key: write("client.key", &client_key),
    }
}
