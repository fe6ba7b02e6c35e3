//! REST API security end to end: basic auth on the mutating endpoints only, the allowlist,
//! extra headers and server tokens, and TLS with rustls (server certificate, optional and
//! required client certificates) using certificates generated in the test; a reload
//! replaces each of them on the running server.

#[path = "../../dcs-zookeeper/tests/support/pki.rs"]
mod pki;
mod rest_support;

use pg_ha_agent::config::{Credentials, ServerTokens, VerifyClient};
use pg_ha_agent::rest::{NodeView, RestError, RestServer, RestSettings, TlsSettings, ViewSource};
use pki::{make_pki, Pki};
use rest_support::client::{raw_on, request_bytes, send, send_with, Resp};
use rest_support::fake::FakeControl;
use rest_support::samples::{load_state, patroni_sample, view_from_patroni};
use rest_support::{clock, settings};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_rustls::rustls::crypto::ring::default_provider;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

async fn replica_server(settings: RestSettings) -> (RestServer, Arc<FakeControl>) {
    let clock = clock();
    let loaded = load_state("1-initial", clock.clone()).await;
    let view = view_from_patroni(&patroni_sample("1-initial", "node1"), &loaded.cluster);
    let control = Arc::new(FakeControl::new(loaded.rest_client()));
    let server = RestServer::start(settings, ViewSource::fixed(view), control.clone(), clock)
        .await
        .expect("server starts");
    (server, control)
}

#[tokio::test]
async fn basic_auth_guards_only_the_mutating_endpoints() {
    let mut s = settings();
    s.authentication = Some(Credentials {
        username: "admin".into(),
        password: "s3cret".into(),
    });
    let (server, control) = replica_server(s).await;
    let addr = server.local_addr();
    let resp = send(addr, "POST", "/reload", None).await;
    assert_eq!(
        (resp.status, resp.body.as_str()),
        (401, "no auth header received")
    );
    assert_eq!(
        resp.headers.get("www-authenticate").map(String::as_str),
        Some("Basic realm=\"Patroni\"")
    );
    let wrong = base64_of("admin:wrong");
    for header in [
        format!("Basic {wrong}"),
        "Bearer x".to_string(),
        "Basic".to_string(),
    ] {
        let resp = send_with(addr, "POST", "/reload", None, &[("Authorization", &header)]).await;
        assert_eq!(
            (resp.status, resp.body.as_str()),
            (401, "not authenticated"),
            "{header}"
        );
    }
    let good = format!("Basic {}", base64_of("admin:s3cret"));
    let resp = send_with(addr, "POST", "/reload", None, &[("Authorization", &good)]).await;
    assert_eq!((resp.status, resp.body.as_str()), (202, "reload scheduled"));
    let resp = send_with(addr, "PATCH", "/config", Some("{\"x\":1}"), &[]).await;
    assert_eq!(resp.status, 401, "checked before the body");
    assert_eq!(control.reloads.load(std::sync::atomic::Ordering::SeqCst), 1);
    let resp = send(addr, "POST", "/mpp", Some("{\"type\":\"before_demote\"}")).await;
    assert_eq!(
        (resp.status, resp.body.as_str()),
        (200, "OK"),
        "/mpp is not authenticated"
    );
    let resp = send(addr, "POST", "/citus", Some("{\"type\":\"before_demote\"}")).await;
    assert_eq!(resp.status, 401, "/citus is");
    for path in [
        "/patroni", "/replica", "/cluster", "/config", "/metrics", "/why",
    ] {
        assert_eq!(
            send(addr, "GET", path, None).await.status,
            200,
            "GET {path} needs no auth"
        );
    }
    server.stop().await;
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[tokio::test]
async fn allowlist_and_members() {
    let mut s = settings();
    s.allowlist = vec!["10.0.0.0/8".into()];
    let (server, _) = replica_server(s.clone()).await;
    let resp = send(server.local_addr(), "POST", "/reload", None).await;
    assert_eq!((resp.status, resp.body.as_str()), (403, "Access is denied"));
    assert_eq!(
        send(server.local_addr(), "GET", "/patroni", None)
            .await
            .status,
        200
    );
    server.stop().await;

    s.allowlist_include_members = true;
    let (server, _) = replica_server(s.clone()).await;
    let resp = send(server.local_addr(), "POST", "/reload", None).await;
    assert_eq!(resp.status, 202, "the members are on 127.0.0.1");
    server.stop().await;

    s.allowlist = vec!["localhost".into(), "192.168.0.0/16".into()];
    s.allowlist_include_members = false;
    let (server, _) = replica_server(s).await;
    let resp = send(server.local_addr(), "POST", "/reload", None).await;
    assert_eq!(resp.status, 202, "host names are resolved");
    server.stop().await;
}

#[tokio::test]
async fn extra_headers_and_server_tokens() {
    let mut s = settings();
    s.extra_headers
        .insert("X-Frame-Options".into(), "deny".into());
    s.server_tokens = ServerTokens::Minimal;
    let (server, _) = replica_server(s).await;
    let resp = send(server.local_addr(), "GET", "/patroni", None).await;
    assert_eq!(
        resp.headers.get("x-frame-options").map(String::as_str),
        Some("deny")
    );
    assert_eq!(
        resp.headers.get("server").map(String::as_str),
        Some("Patroni/4.1.5")
    );
    server.stop().await;
}

fn tls_settings(pki: &Pki, verify_client: VerifyClient) -> RestSettings {
    let mut s = settings();
    s.tls = Some(TlsSettings {
        certfile: pki.server_cert.clone(),
        keyfile: Some(pki.server_key.clone()),
        cafile: Some(pki.ca.clone()),
        verify_client,
    });
    s
}

/// A TLS request trusting the test CA, optionally with the client certificate. `None` when
/// the handshake fails.
async fn tls_request(addr: SocketAddr, pki: &Pki, with_cert: bool, bytes: &[u8]) -> Option<Resp> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&pki.ca).expect("ca") {
        roots.add(cert.expect("cert")).expect("add");
    }
    let builder = ClientConfig::builder_with_provider(Arc::new(default_provider()))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots);
    let config = if with_cert {
        let certs = CertificateDer::pem_file_iter(&pki.client_cert)
            .expect("client cert")
            .collect::<Result<Vec<_>, _>>()
            .expect("certs");
        let key = PrivateKeyDer::from_pem_file(&pki.client_key).expect("client key");
        builder
            .with_client_auth_cert(certs, key)
            .expect("client auth")
    } else {
        builder.with_no_client_auth()
    };
    let connector = TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let name = ServerName::try_from("localhost").expect("name");
    let stream = connector.connect(name, tcp).await.ok()?;
    let resp = raw_on(stream, bytes).await;
    (resp.status != 0).then_some(resp)
}

#[tokio::test]
async fn tls_serves_https() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = make_pki(dir.path());
    let (server, _) = replica_server(tls_settings(&pki, VerifyClient::None)).await;
    assert!(server.base_url().starts_with("https://"));
    let addr = server.local_addr();
    let resp = tls_request(
        addr,
        &pki,
        false,
        &request_bytes("GET", "/patroni", None, &[]),
    )
    .await
    .expect("TLS works");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["patroni"]["name"], "node1");
    let resp = tls_request(
        addr,
        &pki,
        false,
        &request_bytes("POST", "/reload", None, &[]),
    )
    .await
    .expect("TLS works");
    assert_eq!(resp.status, 202);
    let plain = send(addr, "GET", "/patroni", None).await;
    assert_eq!(
        plain.status, 0,
        "plain HTTP on the TLS port gets no HTTP answer"
    );
    let after = tls_request(
        addr,
        &pki,
        false,
        &request_bytes("GET", "/health", None, &[]),
    )
    .await;
    assert_eq!(after.map(|r| r.status), Some(200), "the server survived");
    server.stop().await;
}

#[tokio::test]
async fn optional_client_certificates_guard_mutations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = make_pki(dir.path());
    let (server, _) = replica_server(tls_settings(&pki, VerifyClient::Optional)).await;
    let addr = server.local_addr();
    let get = request_bytes("GET", "/patroni", None, &[]);
    let post = request_bytes("POST", "/reload", None, &[]);
    let resp = tls_request(addr, &pki, false, &get)
        .await
        .expect("handshake");
    assert_eq!(resp.status, 200);
    let resp = tls_request(addr, &pki, false, &post)
        .await
        .expect("handshake");
    assert_eq!(
        (resp.status, resp.body.as_str()),
        (403, "client certificate required")
    );
    let resp = tls_request(addr, &pki, true, &post)
        .await
        .expect("handshake");
    assert_eq!(resp.status, 202);
    server.stop().await;
}

#[tokio::test]
async fn required_client_certificates_fail_the_handshake() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = make_pki(dir.path());
    let (server, _) = replica_server(tls_settings(&pki, VerifyClient::Required)).await;
    let addr = server.local_addr();
    let get = request_bytes("GET", "/patroni", None, &[]);
    assert!(tls_request(addr, &pki, false, &get).await.is_none());
    let resp = tls_request(addr, &pki, true, &get)
        .await
        .expect("handshake");
    assert_eq!(resp.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn bad_tls_material_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = make_pki(dir.path());
    let clock = clock();
    let control = Arc::new(FakeControl::new(
        pg_ha_core::MemoryStore::new(clock.clone()).client("demo", "rest"),
    ));
    let mut s = tls_settings(&pki, VerifyClient::None);
    if let Some(tls) = s.tls.as_mut() {
        tls.keyfile = Some(dir.path().join("missing.key"));
    }
    let err = RestServer::start(
        s,
        ViewSource::fixed(NodeView::default()),
        control.clone(),
        clock.clone(),
    )
    .await
    .expect_err("missing key");
    assert!(matches!(err, RestError::Tls(_)), "{err}");
    let mut s = tls_settings(&pki, VerifyClient::Required);
    if let Some(tls) = s.tls.as_mut() {
        tls.cafile = None;
    }
    let err = RestServer::start(
        s,
        ViewSource::fixed(NodeView::default()),
        control.clone(),
        clock.clone(),
    )
    .await
    .expect_err("no CA");
    assert!(err.to_string().contains("cafile"), "{err}");
    let mut s = tls_settings(&pki, VerifyClient::None);
    if let Some(tls) = s.tls.as_mut() {
        tls.certfile = pki.server_key.clone();
        tls.keyfile = Some(pki.server_key.clone());
    }
    let err = RestServer::start(s, ViewSource::fixed(NodeView::default()), control, clock)
        .await
        .expect_err("a key is not a certificate");
    assert!(matches!(err, RestError::Tls(_)), "{err}");
}

#[tokio::test]
#[cfg_attr(not(feature = "etcd"), ignore = "uses an etcd3 section")]
async fn the_config_section_becomes_server_settings() {
    let yaml = "name: n1\nscope: demo\nrestapi:\n  listen: 127.0.0.1:0\n  connect_address: 127.0.0.1:8008\n  \
                authentication: {username: u, password: p}\n  http_extra_headers: {X-A: b}\n\
                etcd3: {hosts: 127.0.0.1:2379}\npostgresql: {listen: 127.0.0.1:5432}\n";
    let err =
        pg_ha_agent::config::load_str("t.yml", yaml, &[]).expect_err("port 0 is refused in config");
    assert!(err.to_string().contains("restapi.listen"), "{err}");
    let yaml = yaml.replace("127.0.0.1:0", "127.0.0.1:8008");
    let cfg = pg_ha_agent::config::load_str("t.yml", &yaml, &[])
        .expect("loads")
        .config;
    let s = RestSettings::from_config(&cfg.restapi);
    assert_eq!(s.listen.to_string(), "127.0.0.1:8008");
    assert_eq!(
        s.authentication.as_ref().map(|c| c.username.as_str()),
        Some("u")
    );
    assert_eq!(s.extra_headers.get("X-A").map(String::as_str), Some("b"));
    assert!(s.tls.is_none());
}

/// A reload (SIGHUP, `POST /reload`) replaces authentication, the allowlist and headers on
/// the running server, for the next connection.
#[tokio::test]
async fn a_reload_replaces_auth_allowlist_and_headers() {
    let s = settings();
    let (server, control) = replica_server(s.clone()).await;
    let addr = server.local_addr();
    assert_eq!(send(addr, "POST", "/reload", None).await.status, 202);

    let mut guarded = s.clone();
    guarded.authentication = Some(Credentials {
        username: "admin".into(),
        password: "s3cret".into(),
    });
    guarded
        .extra_headers
        .insert("X-Reloaded".into(), "yes".into());
    server.reloader().reload(guarded).await.expect("reload");
    let resp = send(addr, "POST", "/reload", None).await;
    assert_eq!(resp.status, 401, "auth after the reload");
    assert_eq!(
        resp.headers.get("x-reloaded").map(String::as_str),
        Some("yes")
    );
    let good = format!("Basic {}", base64_of("admin:s3cret"));
    let resp = send_with(addr, "POST", "/reload", None, &[("Authorization", &good)]).await;
    assert_eq!(resp.status, 202);

    let mut fenced = s.clone();
    fenced.allowlist = vec!["10.0.0.0/8".into()];
    server.reloader().reload(fenced).await.expect("reload");
    assert_eq!(send(addr, "POST", "/reload", None).await.status, 403);
    server.reloader().reload(s).await.expect("reload");
    assert_eq!(send(addr, "POST", "/reload", None).await.status, 202);
    assert_eq!(control.reloads.load(std::sync::atomic::Ordering::SeqCst), 3);
    server.stop().await;
}

/// Rotated TLS certificates take effect at a reload without a restart: after it, clients
/// trusting the new CA connect and those trusting only the old one do not. Unreadable TLS
/// material is refused and the server keeps serving the certificates it has.
#[tokio::test]
async fn a_reload_rotates_the_tls_certificates() {
    let old_dir = tempfile::tempdir().expect("tempdir");
    let old = make_pki(old_dir.path());
    let new_dir = tempfile::tempdir().expect("tempdir");
    let new = make_pki(new_dir.path());
    let (server, _) = replica_server(tls_settings(&old, VerifyClient::None)).await;
    let addr = server.local_addr();
    let get = request_bytes("GET", "/health", None, &[]);
    assert_eq!(
        tls_request(addr, &old, false, &get).await.map(|r| r.status),
        Some(200)
    );
    assert!(tls_request(addr, &new, false, &get).await.is_none());

    server
        .reloader()
        .reload(tls_settings(&new, VerifyClient::None))
        .await
        .expect("reload with the new certificates");
    assert_eq!(
        tls_request(addr, &new, false, &get).await.map(|r| r.status),
        Some(200)
    );
    assert!(
        tls_request(addr, &old, false, &get).await.is_none(),
        "the old certificate is no longer served"
    );

    let mut broken = tls_settings(&new, VerifyClient::None);
    if let Some(tls) = broken.tls.as_mut() {
        tls.certfile = new_dir.path().join("missing.pem");
    }
    assert!(server.reloader().reload(broken).await.is_err());
    assert_eq!(
        tls_request(addr, &new, false, &get).await.map(|r| r.status),
        Some(200),
        "a failed reload keeps the certificates in use"
    );
    server.stop().await;
}
