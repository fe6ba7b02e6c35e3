//! The rustls client configuration for `https` agents: CA bundle (or the webpki roots) and
//! an optional client certificate. The ring provider is named explicitly, so another crate
//! of the process enabling a second rustls provider does not matter.

use crate::config::TlsPaths;
use crate::error::SetupError;
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;

/// The client configuration for `paths` (`None`: webpki roots, no client certificate).
pub(crate) fn client_config(paths: Option<&TlsPaths>) -> Result<ClientConfig, SetupError> {
    let bad = |e: rustls::Error| SetupError::BadTls(e.to_string());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(bad)?
        .with_root_certificates(roots(paths.and_then(|p| p.ca.as_deref()))?);
    let identity = paths.map(|p| (p.cert.as_deref(), p.key.as_deref()));
    match identity {
        Some((Some(cert), Some(key))) => {
            let chain = certificates(cert, "client certificate")?;
            let key = private_key(key)?;
            builder.with_client_auth_cert(chain, key).map_err(bad)
        }
        Some((None, None)) | None => Ok(builder.with_no_client_auth()),
        Some(_) => Err(SetupError::IncompleteIdentity),
    }
}

fn roots(ca: Option<&Path>) -> Result<RootCertStore, SetupError> {
    let Some(ca) = ca else {
        return Ok(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        });
    };
    let mut store = RootCertStore::empty();
    for cert in certificates(ca, "CA certificate")? {
        store
            .add(cert)
            .map_err(|e| SetupError::BadTls(format!("{}: {e}", ca.display())))?;
    }
    Ok(store)
}

fn certificates(
    path: &Path,
    what: &'static str,
) -> Result<Vec<CertificateDer<'static>>, SetupError> {
    let pem = read(path, what)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| SetupError::BadTls(format!("{}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(SetupError::BadTls(format!(
            "{}: no certificate",
            path.display()
        )));
    }
    Ok(certs)
}

fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, SetupError> {
    let pem = read(path, "client key")?;
    PrivateKeyDer::from_pem_slice(&pem)
        .map_err(|e| SetupError::BadTls(format!("{}: {e}", path.display())))
}

fn read(path: &Path, what: &'static str) -> Result<Vec<u8>, SetupError> {
    std::fs::read(path).map_err(|source| SetupError::ReadTlsFile {
        what,
        path: path.to_path_buf(),
        source,
    })
}
