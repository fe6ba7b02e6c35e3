//! `LocalPostgres`: the local PostgreSQL installation, created from validated `PgSettings`.
//! The operations live in sibling modules (`lifecycle`, `status`, `bootstrap`, ...), each an
//! `impl LocalPostgres` block.

use super::callbacks::CallbackRunner;
use super::conf::{parse_managed, ConfState};
use super::controldata::{self, ControlData};
use super::details::PgDetails;
use super::error::SetupError;
use super::fence::FenceClient;
use super::listen::ListenAddr;
use super::paths::DataPaths;
use super::pidfile::running_postmaster;
use super::postmaster::{Postmaster, PostmasterExit};
use super::privileges::RunAs;
use super::server_cache::{StartFacts, StatusConn};
use super::settings::PgSettings;
use super::timeline::HistoryCache;
use super::validate;
use pg_ha_core::config::LocalServerConfig;
use pg_ha_core::{Clock, PgError};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::watch;

/// Where Debian puts the sockets; used when it exists and the user sets no
/// `unix_socket_directories`.
const DEBIAN_SOCKET_DIR: &str = "/var/run/postgresql";

/// The local PostgreSQL, controlled the way Patroni controls it. Implements
/// [`pg_ha_core::Postgres`]; see the inherent methods for what the trait does not cover
/// (replication slots, parameters, reload, exit notifications).
pub struct LocalPostgres {
    pub(crate) settings: PgSettings,
    pub(crate) run_as: RunAs,
    pub(crate) paths: DataPaths,
    pub(crate) listen: ListenAddr,
    pub(crate) major: u32,
    pub(crate) socket_dir: String,
    pub(crate) postmaster: Postmaster,
    pub(crate) conf: Mutex<ConfState>,
    /// The settings in force that a reload or the dynamic configuration may change (owned
    /// by `parameters.rs`).
    pub(crate) applied: Mutex<Applied>,
    /// What the status queries learned about the data directory and the running server
    /// (owned by `status.rs`).
    pub(crate) learned: Mutex<Learned>,
    /// The cached status connection (see `status.rs`).
    pub(crate) client: tokio::sync::Mutex<Option<StatusConn>>,
    /// The last live WAL read and when it was sent (see `live_wal.rs`).
    pub(crate) last_wal: Mutex<Option<(std::time::Instant, super::WalNow)>>,
    pub(crate) ops: tokio::sync::Mutex<()>,
    pub(crate) fence: FenceClient,
    pub(crate) callbacks: CallbackRunner,
    /// The timeline history of the running postmaster (see `timeline.rs`).
    pub(crate) history: HistoryCache,
    /// What the last status query read beyond `PgStatus` (see `details.rs`).
    pub(crate) details: watch::Sender<Option<Arc<PgDetails>>>,
}

/// The settings in force that change at run time.
#[derive(Debug, Clone)]
pub(crate) struct Applied {
    /// The node's own `postgresql` section (replaced on a reload of the configuration).
    pub(crate) local: LocalServerConfig,
    /// The `pg_hba.conf` lines in force.
    pub(crate) pg_hba: Vec<String>,
    /// The `pg_ident.conf` lines in force.
    pub(crate) pg_ident: Vec<String>,
    /// Replicas stream through a slot named after them.
    pub(crate) use_slots: bool,
    /// A failed pg_rewind re-clones the data directory.
    pub(crate) remove_on_rewind_failure: bool,
}

/// What the status queries learned.
#[derive(Debug, Default)]
pub(crate) struct Learned {
    /// The system identifier last read from the data directory or the server.
    pub(crate) sysid: Option<String>,
    /// The highest `received_tli` the WAL receiver reported, with the postmaster pid it
    /// was seen under.
    pub(crate) received_tli: Option<(u32, u32)>,
    /// Server version and start time of the running postmaster, read once per start.
    pub(crate) start_facts: Option<StartFacts>,
}

impl std::fmt::Debug for LocalPostgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalPostgres")
            .field("name", &self.settings.name)
            .field("data_dir", &self.paths.data_dir)
            .field("port", &self.listen.port)
            .field("postmaster", &self.postmaster.pid())
            .finish()
    }
}

impl LocalPostgres {
    /// Validates `settings` and the local installation (binaries, data directory owner,
    /// permissions, version and system identifier, listen port) and adopts a postmaster that
    /// already runs on the data directory. Nothing on disk is changed. `clock` must be the
    /// runner's clock: write-fence deadlines are on it.
    pub async fn new(
        settings: PgSettings,
        clock: Arc<dyn Clock>,
    ) -> Result<LocalPostgres, SetupError> {
        let run_as = RunAs::resolve(settings.run_as.as_deref())?;
        validate::binaries(&settings)?;
        let data_dir = validate::absolute(&settings.data_dir)?;
        let listen = ListenAddr::parse("listen", &settings.listen)?;
        if let Some(addr) = &settings.connect_address {
            ListenAddr::parse("connect_address", addr)?;
        }
        let config_dir = settings
            .config_dir
            .as_deref()
            .map(validate::absolute)
            .transpose()?;
        let paths = DataPaths::new(&data_dir).with_config_dir(config_dir.as_deref());
        validate::data_dir(&paths, &run_as)?;
        let major = validate::binary_major(&settings.program("postgres"), &run_as).await?;
        validate::data_dir_version(&paths, major)?;
        let fence_binary = fence_binary(&settings)?;
        let postmaster = Postmaster::new();
        match running_postmaster(&paths.pidfile()) {
            Some(pidfile) => postmaster.adopt(pidfile.pid),
            None => validate::port_free(&listen)?,
        }
        let sysid = if paths.is_initialized() {
            let cd = controldata::read(&settings.program("pg_controldata"), &data_dir, &run_as)
                .await
                .map_err(|e| SetupError::Other(e.to_string()))?;
            validate::system_id(&paths, &cd.sysid, settings.expected_sysid.as_deref())?;
            Some(cd.sysid)
        } else {
            None
        };
        let conf = restore_conf(&paths, &settings);
        let socket_dir = if Path::new(DEBIAN_SOCKET_DIR).is_dir() {
            DEBIAN_SOCKET_DIR.to_string()
        } else {
            String::new()
        };
        Ok(LocalPostgres {
            callbacks: CallbackRunner::new(
                settings.callbacks.clone(),
                &settings.scope,
                run_as.clone(),
            ),
            fence: FenceClient::new(&fence_binary, &data_dir, clock),
            applied: Mutex::new(Applied {
                local: settings.local.clone(),
                pg_hba: settings.pg_hba.clone(),
                pg_ident: settings.pg_ident.clone(),
                use_slots: settings.use_slots,
                remove_on_rewind_failure: settings.remove_data_directory_on_rewind_failure,
            }),
            learned: Mutex::new(Learned {
                sysid,
                ..Learned::default()
            }),
            settings,
            run_as,
            paths,
            listen,
            major,
            socket_dir,
            postmaster,
            conf: Mutex::new(conf),
            client: tokio::sync::Mutex::new(None),
            last_wal: Mutex::new(None),
            ops: tokio::sync::Mutex::new(()),
            history: HistoryCache::default(),
            details: watch::Sender::new(None),
        })
    }

    /// The settings this instance was created with.
    pub fn settings(&self) -> &PgSettings {
        &self.settings
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.paths.data_dir
    }

    /// The OS user PostgreSQL runs as.
    pub fn run_as(&self) -> &RunAs {
        &self.run_as
    }

    /// The listen port.
    pub fn port(&self) -> u16 {
        self.listen.port
    }

    /// `postgres://<connect_address>/postgres`, as published in the member key.
    pub fn conn_url(&self) -> String {
        let addr = self
            .settings
            .connect_address
            .clone()
            .unwrap_or_else(|| format!("{}:{}", self.listen.local_host(), self.listen.port));
        format!("postgres://{addr}/postgres")
    }

    /// The pid of the running postmaster.
    pub fn postmaster_pid(&self) -> Option<u32> {
        self.postmaster.pid()
    }

    /// A receiver that changes whenever the postmaster exits (expected or not), so the agent
    /// loop can react at once.
    pub fn subscribe_exits(&self) -> watch::Receiver<Option<PostmasterExit>> {
        self.postmaster.subscribe()
    }

    /// The pid of the write-fence guard process, while it runs.
    pub fn fence_guard_pid(&self) -> Option<u32> {
        self.fence.guard_pid()
    }

    /// Replaces the node's own `postgresql` section (a configuration reload); it takes
    /// effect at the next `apply_config`.
    pub fn set_local_config(&self, local: LocalServerConfig) {
        self.applied().local = local;
    }

    /// Allows or forbids re-cloning when pg_rewind fails.
    pub fn set_remove_data_directory_on_rewind_failure(&self, on: bool) {
        self.applied().remove_on_rewind_failure = on;
    }

    /// Reads `pg_controldata` of the data directory.
    pub async fn controldata(&self) -> Result<ControlData, PgError> {
        controldata::read(
            &self.settings.program("pg_controldata"),
            &self.paths.data_dir,
            &self.run_as,
        )
        .await
    }

    pub(crate) fn conf_state(&self) -> MutexGuard<'_, ConfState> {
        self.conf.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn applied(&self) -> MutexGuard<'_, Applied> {
        self.applied.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn learned(&self) -> MutexGuard<'_, Learned> {
        self.learned.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The system identifier last read from the data directory or the server.
    pub fn last_known_sysid(&self) -> Option<String> {
        self.learned().sysid.clone()
    }

    pub(crate) fn remember_sysid(&self, sysid: Option<String>) {
        self.learned().sysid = sysid;
    }

    pub(crate) fn pg_hba(&self) -> Vec<String> {
        self.applied().pg_hba.clone()
    }

    pub(crate) fn pg_ident(&self) -> Vec<String> {
        self.applied().pg_ident.clone()
    }

    pub(crate) fn binary(&self, name: &str) -> PathBuf {
        self.settings.program(name)
    }
}

fn fence_binary(settings: &PgSettings) -> Result<PathBuf, SetupError> {
    let path = match &settings.fence_binary {
        Some(p) => p.clone(),
        None => std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|d| d.join("pg-ha-fence")))
            .unwrap_or_else(|| PathBuf::from("pg-ha-fence")),
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(SetupError::FenceBinaryMissing(path))
    }
}

/// The state an earlier agent left in the managed `postgresql.conf`.
fn restore_conf(paths: &DataPaths, settings: &PgSettings) -> ConfState {
    let mut state = ConfState {
        parameters: settings.parameters.clone(),
        recovery_params: settings.recovery_conf.clone(),
        ..ConfState::default()
    };
    let text = std::fs::read_to_string(paths.conf()).unwrap_or_default();
    if let Some((upstream, sync)) = parse_managed(&text) {
        state.sync_names = sync;
        if paths.standby_signal().exists() {
            state.recovery = Some(super::conf::RecoveryConf {
                upstream,
                slot: settings.use_slots.then(|| super::slot_name(&settings.name)),
            });
        }
    }
    state
}
