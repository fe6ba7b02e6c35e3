//! The rustls client configuration: a CA bundle (or the webpki roots), an optional client
//! certificate, or no server verification at all (`insecure`). The ring provider is named
//! explicitly, so another crate of the process enabling a second provider does not matter.

use crate::HttpError;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::CertificateError;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the client trusts and presents.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsClientConfig {
    /// CA bundle the servers' certificates must chain to; the webpki roots when `None`.
    pub ca: Option<PathBuf>,
    /// Client certificate chain (PEM), for servers that verify clients.
    pub cert: Option<PathBuf>,
    /// Its private key; read from `cert` when `None`.
    pub key: Option<PathBuf>,
    /// Accept any server certificate (Patroni's `ctl.insecure`).
    pub insecure: bool,
    /// Verify the chain but not that the certificate names the server (libpq's
    /// `sslmode=verify-ca`).
    pub any_name: bool,
}

impl From<&pg_ha_core::config::TlsPaths> for TlsClientConfig {
    fn from(paths: &pg_ha_core::config::TlsPaths) -> Self {
        TlsClientConfig {
            ca: paths.ca.clone(),
            cert: paths.cert.clone(),
            key: paths.key.clone(),
            insecure: false,
            any_name: false,
        }
    }
}

/// The rustls configuration for `tls`.
pub fn client_config(tls: &TlsClientConfig) -> Result<ClientConfig, HttpError> {
    let bad = |e: rustls::Error| HttpError::Tls(e.to_string());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(bad)?;
    let builder = if tls.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyServer(provider)))
    } else if tls.any_name {
        let chain = WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots(tls.ca.as_deref())?),
            Arc::clone(&provider),
        )
        .build()
        .map_err(|e| HttpError::Tls(e.to_string()))?;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyName(chain)))
    } else {
        builder.with_root_certificates(roots(tls.ca.as_deref())?)
    };
    match (&tls.cert, &tls.key) {
        (Some(cert), key) => {
            let chain = certificates(cert, "client certificate")?;
            let key = private_key(key.as_deref().unwrap_or(cert))?;
            builder.with_client_auth_cert(chain, key).map_err(bad)
        }
        (None, Some(key)) => Err(HttpError::Tls(format!(
            "a client key ({}) needs its certificate",
            key.display()
        ))),
        (None, None) => Ok(builder.with_no_client_auth()),
    }
}

fn roots(ca: Option<&Path>) -> Result<RootCertStore, HttpError> {
    let Some(ca) = ca else {
        return Ok(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        });
    };
    let mut store = RootCertStore::empty();
    for cert in certificates(ca, "CA certificate")? {
        store
            .add(cert)
            .map_err(|e| HttpError::Tls(format!("{}: {e}", ca.display())))?;
    }
    Ok(store)
}

fn certificates(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>, HttpError> {
    let pem = read(path, what)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| HttpError::Tls(format!("{what} {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(HttpError::Tls(format!(
            "{what} {}: no certificate in it",
            path.display()
        )));
    }
    Ok(certs)
}

fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, HttpError> {
    let pem = read(path, "client key")?;
    PrivateKeyDer::from_pem_slice(&pem)
        .map_err(|e| HttpError::Tls(format!("client key {}: {e}", path.display())))
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>, HttpError> {
    std::fs::read(path)
        .map_err(|e| HttpError::Tls(format!("cannot read the {what} {}: {e}", path.display())))
}

/// `insecure`: every server certificate is accepted; signatures are still checked, so the
/// session is encrypted with the key the server holds.
#[derive(Debug)]
struct AnyServer(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyServer {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `any_name`: the certificate must chain to the trusted roots, but may name another host.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
