//! TLS for the REST API with rustls: the server certificate and key from PEM files, and
//! client certificates checked against `cafile` when `verify_client` asks for them.

use super::{RestError, TlsSettings};
use crate::config::VerifyClient;
use std::path::Path;
use std::sync::Arc;
use tokio_rustls::rustls::crypto::ring::default_provider;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::{NoClientAuth, WebPkiClientVerifier};
use tokio_rustls::rustls::{RootCertStore, ServerConfig};
use tokio_rustls::TlsAcceptor;

fn tls_err(path: &Path, what: &str, e: impl std::fmt::Display) -> RestError {
    RestError::Tls(format!("{what} {}: {e}", path.display()))
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, RestError> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| tls_err(path, "cannot read certificates from", e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls_err(path, "bad certificate in", e))?;
    if certs.is_empty() {
        return Err(tls_err(path, "no certificate in", "empty"));
    }
    Ok(certs)
}

fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, RestError> {
    PrivateKeyDer::from_pem_file(path)
        .map_err(|e| tls_err(path, "cannot read the private key from", e))
}

/// The acceptor for `tls`.
pub(crate) fn acceptor(tls: &TlsSettings) -> Result<TlsAcceptor, RestError> {
    let provider = Arc::new(default_provider());
    let certs = certificates(&tls.certfile)?;
    let key = private_key(tls.keyfile.as_deref().unwrap_or(&tls.certfile))?;
    let verifier = match (tls.verify_client, &tls.cafile) {
        (VerifyClient::None, _) => Arc::new(NoClientAuth) as _,
        (_, None) => {
            return Err(RestError::Tls(
                "verify_client needs cafile: the CA that client certificates chain to".into(),
            ))
        }
        (mode, Some(cafile)) => {
            let mut roots = RootCertStore::empty();
            for cert in certificates(cafile)? {
                roots
                    .add(cert)
                    .map_err(|e| tls_err(cafile, "bad CA certificate in", e))?;
            }
            let builder =
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider));
            let builder = if mode == VerifyClient::Optional {
                builder.allow_unauthenticated()
            } else {
                builder
            };
            builder
                .build()
                .map_err(|e| RestError::Tls(format!("client verifier: {e}")))?
        }
    };
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| RestError::Tls(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs, key)
        .map_err(|e| RestError::Tls(format!("certificate and key: {e}")))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}
