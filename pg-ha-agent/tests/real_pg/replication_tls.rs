//! Replication over TLS from `authentication.replication`'s libpq options: a primary that
//! accepts replication only over TLS, a standby cloned and streaming with
//! `sslmode=verify-full` against the cluster's CA (the WAL sender's connection is
//! encrypted), and a clone refused when the CA does not sign the primary's certificate.

#[path = "../../../dcs-zookeeper/tests/support/pki.rs"]
mod pki;

use crate::common::*;
use anyhow::Result;
use pg_ha_core::Postgres;
use std::path::{Path, PathBuf};

/// Copies `file` into `dir` for the postgres OS user (a server key must be 0600).
fn give_postgres(file: &Path, dir: &Path) -> PathBuf {
    let target = dir.join(file.file_name().expect("a file name"));
    std::fs::copy(file, &target).expect("copy");
    let (uid, gid) = postgres_ids();
    std::os::unix::fs::chown(&target, Some(uid), Some(gid)).expect("chown");
    std::fs::set_permissions(&target, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .expect("chmod");
    target
}

fn tls_settings(sandbox: &Sandbox, name: &str, ca: &Path) -> pg_ha_agent::postgres::PgSettings {
    let mut s = settings(sandbox, name);
    s.pg_hba = vec![
        "local all all trust".into(),
        "host all all 127.0.0.1/32 scram-sha-256".into(),
        "hostssl replication all 127.0.0.1/32 scram-sha-256".into(),
        "hostnossl replication all 127.0.0.1/32 reject".into(),
    ];
    s.replication.connection = vec![
        ("sslmode".into(), "verify-full".into()),
        ("sslrootcert".into(), ca.display().to_string()),
    ];
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replication_uses_the_role_s_tls_options() -> Result<()> {
    let sandbox = Sandbox::new();
    let pki_dir = sandbox.node_dir("pki");
    let pki = pki::make_pki(&pki_dir);
    let other_dir = sandbox.node_dir("other-pki");
    let other = pki::make_pki(&other_dir);
    let files = sandbox.node_dir("pg-files");
    let cert = give_postgres(&pki.server_cert, &files);
    let key = give_postgres(&pki.server_key, &files);
    let ca = give_postgres(&pki.ca, &files);

    let mut primary = tls_settings(&sandbox, "a", &ca);
    for (k, v) in [
        ("ssl", "on".to_string()),
        ("ssl_cert_file", cert.display().to_string()),
        ("ssl_key_file", key.display().to_string()),
    ] {
        primary.parameters.insert(k.into(), v);
    }
    let a = Node::new(primary).await?;
    a.pg.bootstrap().await?;

    let b = Node::new(tls_settings(&sandbox, "b", &ca)).await?;
    b.pg.clone_replica(&a.upstream()).await?;
    b.pg.start_standby(Some(&a.upstream())).await?;
    b.wait_streaming().await?;
    let encrypted = a
        .column(
            "SELECT s.ssl::text FROM pg_stat_replication r \
             JOIN pg_stat_ssl s ON s.pid = r.pid WHERE r.application_name = 'b'",
        )
        .await?;
    assert_eq!(encrypted, vec!["true"], "b's WAL sender is not on TLS");

    let wrong_ca = give_postgres(&other.ca, &sandbox.node_dir("wrong-ca"));
    let c = Node::new(tls_settings(&sandbox, "c", &wrong_ca)).await?;
    let refused = c.pg.clone_replica(&a.upstream()).await;
    let message = refused
        .expect_err("a CA that did not sign the primary must fail")
        .to_string();
    assert!(message.contains("SSL error"), "{message}");
    Ok(())
}

/// The agent's own SQL connections (status, roles, slots) follow the superuser's libpq
/// options: with `sslmode=verify-full` against the cluster's CA they run over TLS (the
/// server refuses plain TCP); a CA that did not sign the server is refused; `require`
/// without a root certificate encrypts without verifying.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agents_own_connections_use_the_superuser_s_tls_options() -> Result<()> {
    use pg_ha_agent::postgres::client::{connect, ConnTarget};
    use pg_ha_agent::postgres::conninfo::Endpoint;
    let sandbox = Sandbox::new();
    let pki = pki::make_pki(&sandbox.node_dir("pki"));
    let other = pki::make_pki(&sandbox.node_dir("other-pki"));
    let files = sandbox.node_dir("pg-files");
    let cert = give_postgres(&pki.server_cert, &files);
    let key = give_postgres(&pki.server_key, &files);
    let ca = give_postgres(&pki.ca, &files);
    let mut s = settings(&sandbox, "a");
    s.pg_hba = vec![
        "local all all trust".into(),
        "hostssl all all 127.0.0.1/32 scram-sha-256".into(),
        "hostnossl all all 127.0.0.1/32 reject".into(),
    ];
    for (k, v) in [
        ("ssl", "on".to_string()),
        ("ssl_cert_file", cert.display().to_string()),
        ("ssl_key_file", key.display().to_string()),
    ] {
        s.parameters.insert(k.into(), v);
    }
    s.superuser.connection = vec![
        ("sslmode".into(), "verify-full".into()),
        ("sslrootcert".into(), ca.display().to_string()),
    ];
    let superuser = s.superuser.clone();
    let a = Node::new(s).await?;
    a.pg.bootstrap().await?;
    let status = a.status().await?;
    assert!(status.is_running_primary(), "{status:?}");
    let plain = a
        .column(
            "SELECT count(*)::text FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) \
             WHERE a.application_name = 'pg-ha' AND NOT s.ssl",
        )
        .await?;
    assert_eq!(plain, vec!["0"], "an agent connection without TLS");

    let endpoint = Endpoint::from_url(&a.pg.conn_url()).expect("conn_url");
    let with = |options: &[(&str, String)]| {
        let mut role = superuser.clone();
        role.connection = options
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        ConnTarget::new(&endpoint, &role)
    };
    let timeout = std::time::Duration::from_secs(5);
    let wrong = with(&[
        ("sslmode", "verify-full".into()),
        ("sslrootcert", other.ca.display().to_string()),
    ]);
    let refused = connect(&wrong, timeout)
        .await
        .expect_err("a CA that did not sign the server must be refused");
    assert!(
        refused.to_string().to_lowercase().contains("certificate"),
        "{refused}"
    );
    connect(&with(&[("sslmode", "require".into())]), timeout).await?;
    let plain_refused = connect(&with(&[]), timeout).await;
    assert!(plain_refused.is_err(), "the server takes TLS only");
    Ok(())
}
