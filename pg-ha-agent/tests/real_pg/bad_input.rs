//! Bad local setups: each is one clear error naming what is wrong, and nothing is deleted.

use crate::common::*;
use anyhow::Result;
use pg_ha_agent::postgres::{LocalPostgres, PgSettings, SetupError};
use pg_ha_core::postgres::StopMode;
use pg_ha_core::Postgres;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

async fn setup_error(s: PgSettings) -> SetupError {
    match LocalPostgres::new(s, clock()).await {
        Ok(pg) => panic!("expected a setup error, got {pg:?}"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn missing_bin_dir_or_binaries() {
    let sandbox = Sandbox::new();
    let mut s = settings(&sandbox, "a");
    s.bin_dir = PathBuf::from("/nonexistent/postgresql/bin");
    let err = setup_error(s).await;
    assert!(matches!(err, SetupError::BinDirMissing(_)), "{err}");
    assert!(
        err.to_string().contains("/nonexistent/postgresql/bin"),
        "{err}"
    );

    let mut s = settings(&sandbox, "b");
    s.bin_dir = sandbox.path().to_path_buf();
    let err = setup_error(s).await;
    assert!(
        err.to_string().contains("has no executable `postgres`"),
        "{err}"
    );
}

#[tokio::test]
async fn data_dir_with_wrong_owner() {
    let sandbox = Sandbox::new();
    let s = settings(&sandbox, "a");
    std::fs::create_dir(&s.data_dir).expect("mkdir");
    std::fs::set_permissions(&s.data_dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let err = setup_error(s.clone()).await;
    assert!(
        matches!(err, SetupError::WrongOwner { owner: 0, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("postgres"), "{err}");
    assert!(s.data_dir.is_dir());
}

#[tokio::test]
async fn data_dir_with_wrong_permissions() {
    let sandbox = Sandbox::new();
    let s = settings(&sandbox, "a");
    std::fs::create_dir(&s.data_dir).expect("mkdir");
    let (uid, gid) = postgres_ids();
    std::os::unix::fs::chown(&s.data_dir, Some(uid), Some(gid)).expect("chown");
    std::fs::set_permissions(&s.data_dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let err = setup_error(s).await;
    assert!(
        matches!(err, SetupError::WrongPermissions { mode: 0o755, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("0755"), "{err}");
}

#[tokio::test]
async fn data_dir_with_foreign_content_is_not_touched() {
    let sandbox = Sandbox::new();
    let s = settings(&sandbox, "a");
    std::fs::create_dir(&s.data_dir).expect("mkdir");
    let (uid, gid) = postgres_ids();
    std::os::unix::fs::chown(&s.data_dir, Some(uid), Some(gid)).expect("chown");
    std::fs::set_permissions(&s.data_dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    std::fs::write(s.data_dir.join("precious.txt"), "keep me").expect("write");
    let err = setup_error(s.clone()).await;
    assert!(
        err.to_string().contains("holds no PostgreSQL cluster"),
        "{err}"
    );
    assert!(s.data_dir.join("precious.txt").is_file());
}

#[tokio::test]
async fn data_dir_of_another_major_version() {
    let sandbox = Sandbox::new();
    let s = settings(&sandbox, "a");
    let (uid, gid) = postgres_ids();
    std::fs::create_dir_all(s.data_dir.join("global")).expect("mkdir");
    std::fs::write(s.data_dir.join("PG_VERSION"), "14\n").expect("write");
    std::fs::write(s.data_dir.join("global/pg_control"), "x").expect("write");
    std::os::unix::fs::chown(&s.data_dir, Some(uid), Some(gid)).expect("chown");
    std::fs::set_permissions(&s.data_dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let err = setup_error(s).await;
    assert!(err.to_string().contains("PostgreSQL 14"), "{err}");
}

#[tokio::test]
async fn port_in_use() {
    let sandbox = Sandbox::new();
    let s = settings(&sandbox, "a");
    let taken = std::net::TcpListener::bind(&s.listen).expect("bind");
    let err = setup_error(s.clone()).await;
    assert!(matches!(err, SetupError::PortInUse { .. }), "{err}");
    assert!(err.to_string().contains(&s.listen), "{err}");
    drop(taken);
}

#[tokio::test]
async fn unknown_run_as_user_and_bad_listen() {
    let sandbox = Sandbox::new();
    let mut s = settings(&sandbox, "a");
    s.run_as = Some("no-such-pg-user".into());
    let err = setup_error(s).await;
    assert!(err.to_string().contains("no-such-pg-user"), "{err}");
    let mut s = settings(&sandbox, "b");
    s.listen = "localhost".into();
    let err = setup_error(s).await;
    assert!(err.to_string().contains("postgresql.listen"), "{err}");
    let mut s = settings(&sandbox, "c");
    s.fence_binary = Some(PathBuf::from("/nonexistent/pg-ha-fence"));
    let err = setup_error(s).await;
    assert!(matches!(err, SetupError::FenceBinaryMissing(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_dir_of_another_system_is_refused_and_kept() -> Result<()> {
    let sandbox = Sandbox::new();
    let a = Node::primary(&sandbox, "a").await?;
    let sysid = a.pg.last_known_sysid().expect("sysid");
    a.pg.stop(StopMode::Fast).await?;
    // The data directory is initialized: bootstrap and clone refuse to touch it.
    let err = a.pg.bootstrap().await.expect_err("initialized");
    assert!(err.to_string().contains("not empty"), "{err}");
    let err =
        a.pg.clone_replica(&a.upstream())
            .await
            .expect_err("initialized");
    assert!(err.to_string().contains("not empty"), "{err}");
    let mut s = a.pg.settings().clone();
    s.expected_sysid = Some("7000000000000000001".into());
    let err = setup_error(s).await;
    assert!(matches!(err, SetupError::SystemIdMismatch { .. }), "{err}");
    assert!(err.to_string().contains(&sysid), "{err}");
    assert!(err.to_string().contains("7000000000000000001"), "{err}");
    assert_eq!(a.pg.controldata().await?.sysid, sysid);
    Ok(())
}
