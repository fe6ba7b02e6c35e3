//! Checks of the local setup done before anything is changed: binaries, data directory owner
//! and permissions, PostgreSQL version, system identifier, listen port.

use super::command::Tool;
use super::error::SetupError;
use super::listen::ListenAddr;
use super::paths::DataPaths;
use super::privileges::RunAs;
use super::settings::PgSettings;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The binaries the agent runs.
pub const REQUIRED_BINARIES: [&str; 5] = [
    "postgres",
    "initdb",
    "pg_controldata",
    "pg_basebackup",
    "pg_rewind",
];

/// `bin_dir` exists and has every required binary (under its `bin_name`).
pub fn binaries(settings: &PgSettings) -> Result<(), SetupError> {
    let dir = &settings.bin_dir;
    if !dir.is_dir() {
        return Err(SetupError::BinDirMissing(dir.to_path_buf()));
    }
    for name in REQUIRED_BINARIES {
        let path = settings.program(name);
        let binary = path
            .file_name()
            .map_or_else(|| name.to_string(), |f| f.to_string_lossy().into_owned());
        let executable = path
            .metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
        if !executable {
            return Err(SetupError::BinaryMissing {
                dir: dir.to_path_buf(),
                binary,
            });
        }
    }
    Ok(())
}

/// The data directory as an absolute path.
pub fn absolute(data_dir: &Path) -> Result<PathBuf, SetupError> {
    if data_dir.as_os_str().is_empty() {
        return Err(SetupError::DataDir {
            path: data_dir.to_path_buf(),
            reason: "is empty".to_string(),
        });
    }
    std::path::absolute(data_dir).map_err(|e| SetupError::DataDir {
        path: data_dir.to_path_buf(),
        reason: e.to_string(),
    })
}

/// An existing data directory is a directory owned by `run_as` with mode 0700 or 0750, and
/// is either empty or an initialized cluster.
pub fn data_dir(paths: &DataPaths, run_as: &RunAs) -> Result<(), SetupError> {
    let dir = &paths.data_dir;
    let meta = match std::fs::metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return parent_exists(dir),
        Err(e) => return Err(data_dir_error(dir, e.to_string())),
    };
    if !meta.is_dir() {
        return Err(data_dir_error(dir, "is not a directory".to_string()));
    }
    if meta.uid() != run_as.uid {
        return Err(SetupError::WrongOwner {
            path: dir.clone(),
            owner: meta.uid(),
            user: run_as.name.clone(),
            uid: run_as.uid,
        });
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode != 0o700 && mode != 0o750 {
        return Err(SetupError::WrongPermissions {
            path: dir.clone(),
            mode,
        });
    }
    if !paths.is_empty() && !paths.is_initialized() {
        return Err(data_dir_error(
            dir,
            "is not empty but holds no PostgreSQL cluster (no PG_VERSION / global/pg_control); \
             refusing to touch it"
                .to_string(),
        ));
    }
    Ok(())
}

fn parent_exists(dir: &Path) -> Result<(), SetupError> {
    match dir.parent() {
        Some(p) if p.is_dir() => Ok(()),
        _ => Err(data_dir_error(
            dir,
            "does not exist and neither does its parent directory".to_string(),
        )),
    }
}

fn data_dir_error(dir: &Path, reason: String) -> SetupError {
    SetupError::DataDir {
        path: dir.to_path_buf(),
        reason,
    }
}

/// The major version of the binaries (`postgres --version`).
pub async fn binary_major(postgres: &Path, run_as: &RunAs) -> Result<u32, SetupError> {
    let out = Tool::new(postgres)
        .arg("--version")
        .timeout(Duration::from_secs(10))
        .run(run_as)
        .await
        .map_err(|e| SetupError::Other(format!("cannot run postgres --version: {e}")))?;
    parse_major(&out.stdout)
        .ok_or_else(|| SetupError::Other(format!("unexpected postgres --version: {}", out.stdout)))
}

/// `postgres (PostgreSQL) 15.18 (Debian ...)` -> 15.
pub fn parse_major(version: &str) -> Option<u32> {
    let number = version
        .split_whitespace()
        .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))?;
    number.split('.').next()?.parse().ok()
}

/// The data directory was created by the same major version as the binaries.
pub fn data_dir_version(paths: &DataPaths, major: u32) -> Result<(), SetupError> {
    let Ok(text) = std::fs::read_to_string(paths.pg_version()) else {
        return Ok(());
    };
    match text.trim().parse::<u32>() {
        Ok(v) if v == major => Ok(()),
        _ => Err(data_dir_error(
            &paths.data_dir,
            format!(
                "was created by PostgreSQL {}, but bin_dir has PostgreSQL {major}",
                text.trim()
            ),
        )),
    }
}

/// The data directory's system identifier matches the cluster's.
pub fn system_id(paths: &DataPaths, found: &str, expected: Option<&str>) -> Result<(), SetupError> {
    match expected {
        Some(exp) if !exp.is_empty() && exp != found => Err(SetupError::SystemIdMismatch {
            path: paths.data_dir.clone(),
            found: found.to_string(),
            expected: exp.to_string(),
        }),
        _ => Ok(()),
    }
}

/// No other process listens on the port.
pub fn port_free(listen: &ListenAddr) -> Result<(), SetupError> {
    for (host, port) in listen.bind_probes() {
        let addr = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        if let Err(e) = std::net::TcpListener::bind(&addr) {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                return Err(SetupError::PortInUse { address: addr });
            }
            tracing::debug!(%addr, "cannot probe the listen address: {e}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions() {
        assert_eq!(
            parse_major("postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"),
            Some(15)
        );
        assert_eq!(parse_major("postgres (PostgreSQL) 9.6.2"), Some(9));
        assert_eq!(parse_major("nothing"), None);
    }

    #[test]
    fn missing_bin_dir_and_binaries_are_named() {
        let at = |dir: &Path| PgSettings {
            bin_dir: dir.to_path_buf(),
            ..PgSettings::default()
        };
        let err = binaries(&at(Path::new("/nonexistent/bin"))).expect_err("missing");
        assert!(err.to_string().contains("/nonexistent/bin"), "{err}");
        let empty = tempfile::tempdir().expect("tempdir");
        let err = binaries(&at(empty.path())).expect_err("no binaries");
        assert!(err.to_string().contains("postgres"), "{err}");
        let mut renamed = at(Path::new(crate::DEFAULT_BIN_DIR));
        if binaries(&renamed).is_ok() {
            renamed
                .bin_name
                .insert("pg_rewind".into(), "pg_rewind15".into());
            let err = binaries(&renamed).expect_err("renamed binary missing");
            assert!(err.to_string().contains("pg_rewind15"), "{err}");
        }
    }

    #[test]
    fn port_in_use_is_found() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        let listen = ListenAddr::parse("listen", &format!("127.0.0.1:{port}")).expect("valid");
        assert!(matches!(
            port_free(&listen),
            Err(SetupError::PortInUse { .. })
        ));
        drop(l);
        assert!(port_free(&listen).is_ok());
    }
}
