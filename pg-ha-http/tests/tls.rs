//! The client against a real TLS server (tokio-rustls, a throw-away PKI): CA verification,
//! an untrusted server refused, `insecure`, client certificates for a server that requires
//! them, plain http, and the headers sent.

#[path = "../../dcs-zookeeper/tests/support/pki.rs"]
mod pki;

use pg_ha_http::{HttpClient, Request, TlsClientConfig};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

const TIMEOUT: Duration = Duration::from_secs(5);

/// A server answering every request with 200 and the request's head as the body; with TLS
/// when `tls` is given. Returns its base URL.
async fn serve(tls: Option<ServerConfig>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let scheme = if tls.is_some() { "https" } else { "http" };
    let acceptor = tls.map(|c| tokio_rustls::TlsAcceptor::from(Arc::new(c)));
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                match acceptor {
                    Some(a) => {
                        if let Ok(stream) = a.accept(tcp).await {
                            answer(stream).await;
                        }
                    }
                    None => answer(tcp).await,
                }
            });
        }
    });
    format!("{scheme}://127.0.0.1:{port}")
}

async fn answer<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let body = String::from_utf8_lossy(&head).into_owned();
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn server_config(pki: &pki::Pki, require_client: bool) -> ServerConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .expect("versions");
    let builder = if require_client {
        let mut roots = RootCertStore::empty();
        roots.add(certs(&pki.ca).remove(0)).expect("ca");
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .expect("verifier");
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let key = PrivateKeyDer::from_pem_file(&pki.server_key).expect("key");
    builder
        .with_single_cert(certs(&pki.server_cert), key)
        .expect("server config")
}

fn certs(path: &Path) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_file_iter(path)
        .expect("pem")
        .collect::<Result<_, _>>()
        .expect("certs")
}

fn client(tls: TlsClientConfig) -> HttpClient {
    HttpClient::new(&tls, "Patroni/4.1.5 pg-ha/test").expect("client")
}

async fn get(client: &HttpClient, url: &str) -> Result<String, String> {
    let url = format!("{url}/patroni");
    client
        .send(Request {
            method: "POST",
            url: &url,
            body: Some("{}"),
            basic_auth: Some("admin:secret"),
            timeout: TIMEOUT,
        })
        .await
        .map(|r| r.body)
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn verifies_servers_and_presents_client_certificates() {
    let dir = std::env::temp_dir().join(format!("pgha-http-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let pki = pki::make_pki(&dir);
    let trusted = TlsClientConfig {
        ca: Some(pki.ca.clone()),
        ..TlsClientConfig::default()
    };

    let https = serve(Some(server_config(&pki, false))).await;
    let head = get(&client(trusted.clone()), &https)
        .await
        .expect("CA-verified");
    assert!(head.starts_with("POST /patroni HTTP/1.1"), "{head}");
    let lower = head.to_ascii_lowercase();
    assert!(
        lower.contains("user-agent: patroni/4.1.5 pg-ha/test"),
        "{head}"
    );
    // admin:secret in base64.
    assert!(
        lower.contains("authorization: basic ywrtaw46c2vjcmv0"),
        "{head}"
    );
    assert!(lower.contains("content-type: application/json"), "{head}");

    let untrusted = get(&client(TlsClientConfig::default()), &https).await;
    assert!(
        untrusted.is_err(),
        "a server the roots do not sign must be refused"
    );
    let insecure = TlsClientConfig {
        insecure: true,
        ..TlsClientConfig::default()
    };
    get(&client(insecure), &https)
        .await
        .expect("insecure accepts it");

    let mutual = serve(Some(server_config(&pki, true))).await;
    let anonymous = get(&client(trusted.clone()), &mutual).await;
    assert!(
        anonymous.is_err(),
        "the server requires a client certificate"
    );
    let identified = TlsClientConfig {
        cert: Some(pki.client_cert.clone()),
        key: Some(pki.client_key.clone()),
        ..trusted
    };
    get(&client(identified), &mutual)
        .await
        .expect("client certificate accepted");

    let plain = serve(None).await;
    get(&client(TlsClientConfig::default()), &plain)
        .await
        .expect("plain http");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unreadable_tls_files_are_named() {
    let missing = TlsClientConfig {
        ca: Some("/nonexistent/ca.pem".into()),
        ..TlsClientConfig::default()
    };
    let err = HttpClient::new(&missing, "x").expect_err("no CA file");
    assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
    let key_only = TlsClientConfig {
        key: Some("/k.pem".into()),
        ..TlsClientConfig::default()
    };
    assert!(HttpClient::new(&key_only, "x").is_err());
}
