//! `PgSettings`: everything `LocalPostgres` needs to know about the local installation.

use pg_ha_core::config::LocalServerConfig;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// The Debian location of PostgreSQL 15's binaries.
pub const DEFAULT_BIN_DIR: &str = "/usr/lib/postgresql/15/bin";

/// A role name and password (`postgresql.authentication.<kind>`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Credentials {
    /// The role name.
    pub username: String,
    /// The password; `None` relies on trust or peer authentication.
    pub password: Option<String>,
    /// libpq's TLS and GSS options for remote connections as this role (`sslmode`,
    /// `sslrootcert`, `sslcert`, `sslkey`, `channel_binding`, ...), in the order written;
    /// they go into `primary_conninfo`, pg_basebackup's and pg_rewind's connection strings.
    pub connection: Vec<(String, String)>,
}

impl Credentials {
    /// A role with a password.
    pub fn new(username: &str, password: &str) -> Credentials {
        Credentials {
            username: username.to_string(),
            password: Some(password.to_string()),
            connection: Vec::new(),
        }
    }

    /// `pairs` followed by the role's connection options.
    pub fn with_options<'a>(&'a self, pairs: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut out = pairs.to_vec();
        out.extend(
            self.connection
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        out
    }
}

/// One option of a PostgreSQL tool in Patroni's list form: `data-checksums` or
/// `{encoding: UTF8}`. Rendered as `--data-checksums` / `--encoding=UTF8`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolOption {
    /// A flag without a value.
    Flag(String),
    /// An option with a value.
    Value(String, String),
}

impl ToolOption {
    /// A flag option.
    pub fn flag(name: &str) -> ToolOption {
        ToolOption::Flag(name.to_string())
    }

    /// An option with a value.
    pub fn value(name: &str, value: &str) -> ToolOption {
        ToolOption::Value(name.to_string(), value.to_string())
    }

    /// The option's name.
    pub fn name(&self) -> &str {
        match self {
            ToolOption::Flag(n) | ToolOption::Value(n, _) => n,
        }
    }

    /// The command-line argument.
    pub fn to_arg(&self) -> String {
        match self {
            ToolOption::Flag(n) => format!("--{n}"),
            ToolOption::Value(n, v) => format!("--{n}={v}"),
        }
    }
}

/// How a new cluster is created (`bootstrap.method`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum BootstrapMethod {
    /// initdb with [`PgSettings::initdb`].
    #[default]
    Initdb,
    /// A user command that creates the data directory.
    Custom {
        /// The command line (split on whitespace; arguments are appended).
        command: String,
        /// Do not append `--scope=` and `--datadir=`.
        no_params: bool,
        /// Keep the recovery signal files the command left behind.
        keep_existing_recovery_conf: bool,
        /// `recovery_conf`: after the command, the server recovers from the archive with
        /// these settings (`restore_command`, `recovery_target_*`; a point-in-time restore)
        /// and is promoted at the target before the bootstrap goes on.
        recovery_conf: BTreeMap<String, String>,
    },
}

/// One entry of `create_replica_methods`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplicaMethod {
    /// pg_basebackup with WAL streaming and [`PgSettings::basebackup`].
    Basebackup,
    /// A user command run with `--scope --role=replica --datadir --connstring`.
    Custom {
        /// The method's name (for logs).
        name: String,
        /// The command line (split on whitespace; arguments are appended).
        command: String,
        /// Do not append the standard arguments.
        no_params: bool,
        /// Do not wipe the data directory when the method fails.
        keep_data: bool,
        /// `no_leader`: it can create a replica while the cluster has no leader (from
        /// backups); run then without `--connstring`.
        no_leader: bool,
        /// The method's other keys, passed as `--key=value` after the standard arguments
        /// (not with `no_params`).
        params: Vec<(String, String)>,
    },
}

/// `postgresql.callbacks`: commands run as `<cmd> <action> <role> <scope>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Callbacks {
    /// After PostgreSQL started.
    pub on_start: Option<String>,
    /// After PostgreSQL stopped.
    pub on_stop: Option<String>,
    /// After a restart.
    pub on_restart: Option<String>,
    /// After a configuration reload.
    pub on_reload: Option<String>,
    /// After a promotion or demotion.
    pub on_role_change: Option<String>,
}

/// Commands the agent runs and waits for (`postgresql.pre_promote`, `before_stop`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hooks {
    /// Run after the leader key was taken and before promoting; a failure refuses the
    /// promotion (the node then gives the key up).
    pub pre_promote: Option<String>,
    /// Run before every fast stop; its result is only logged.
    pub before_stop: Option<String>,
}

/// Settings of the local PostgreSQL (Patroni's `postgresql` section, already validated into
/// types, plus the node's `name` and `scope`).
#[derive(Debug, Clone, PartialEq)]
pub struct PgSettings {
    /// Directory of `postgres`, `initdb`, `pg_controldata`, `pg_basebackup`, `pg_rewind`.
    pub bin_dir: PathBuf,
    /// The data directory (absolute).
    pub data_dir: PathBuf,
    /// `listen`: `host[,host2]:port`.
    pub listen: String,
    /// `connect_address` (`host:port`) published to the cluster; defaults to `listen`.
    pub connect_address: Option<String>,
    /// The cluster name (also `cluster_name`).
    pub scope: String,
    /// This member's name (application_name towards the upstream, slot name).
    pub name: String,
    /// The superuser the agent connects as.
    pub superuser: Credentials,
    /// The role standbys stream with.
    pub replication: Credentials,
    /// The role pg_rewind connects as; the superuser when `None`.
    pub rewind: Option<Credentials>,
    /// The PostgreSQL parameters to start with (the local ones merged with the bootstrap
    /// configuration's); the dynamic configuration replaces them through `apply_config`.
    pub parameters: BTreeMap<String, String>,
    /// The `pg_hba.conf` lines to start with. When empty, an existing `pg_hba.conf` the agent
    /// did not write is kept, and a missing one gets a loopback-only default.
    pub pg_hba: Vec<String>,
    /// The `pg_ident.conf` lines to start with; when empty the file is left alone.
    pub pg_ident: Vec<String>,
    /// The recovery parameters a standby starts with (`recovery_conf`).
    pub recovery_conf: BTreeMap<String, String>,
    /// The node's own `postgresql` section, merged with each dynamic configuration applied.
    pub local: LocalServerConfig,
    /// The OS user PostgreSQL runs as when the agent runs as root (`postgres` when `None`).
    pub run_as: Option<String>,
    /// `bootstrap.method`.
    pub bootstrap_method: BootstrapMethod,
    /// `bootstrap.initdb` options (default: `data-checksums`).
    pub initdb: Vec<ToolOption>,
    /// `bootstrap.post_bootstrap`: a command run with a connection URL after bootstrap.
    pub post_bootstrap: Option<String>,
    /// `create_replica_methods`, tried in order.
    pub create_replica_methods: Vec<ReplicaMethod>,
    /// `postgresql.basebackup` options (default: `checkpoint=fast`).
    pub basebackup: Vec<ToolOption>,
    /// `postgresql.rewind`: extra pg_rewind options.
    pub rewind_options: Vec<ToolOption>,
    /// `postgresql.callbacks`.
    pub callbacks: Callbacks,
    /// `postgresql.pre_promote` and `before_stop`.
    pub hooks: Hooks,
    /// Stream through a physical slot named after this member.
    pub use_slots: bool,
    /// How long start and stop may take (`pg_ctl_timeout`).
    pub pg_ctl_timeout: Duration,
    /// Re-clone when pg_rewind fails (the local setting; the dynamic one is or-ed in).
    pub remove_data_directory_on_rewind_failure: bool,
    /// The cluster's system identifier (the `initialize` key) when known: a data directory of
    /// another system is refused.
    pub expected_sysid: Option<String>,
    /// The `pg-ha-fence` guard binary; next to the running executable when `None`.
    pub fence_binary: Option<PathBuf>,
    /// Timeout of one status query (connect + statement).
    pub status_timeout: Duration,
    /// `postgresql.use_unix_socket`: the agent's own connections to its server go through
    /// the first of `unix_socket_directories` instead of TCP.
    pub use_unix_socket: bool,
    /// `postgresql.config_dir`: where `postgresql.conf`, `pg_hba.conf` and `pg_ident.conf`
    /// live (the data directory when `None`).
    pub config_dir: Option<PathBuf>,
    /// `postgresql.custom_conf`: a configuration file of the user's included instead of
    /// `postgresql.base.conf` (which is then never created).
    pub custom_conf: Option<PathBuf>,
    /// `postgresql.bin_name`: other names for the PostgreSQL programs
    /// (`{"pg_basebackup": "pg_basebackup15"}`).
    pub bin_name: BTreeMap<String, String>,
}

impl PgSettings {
    /// The path of the PostgreSQL program `name` (`postgres`, `initdb`, ...): in `bin_dir`,
    /// under its `bin_name` if one is set.
    pub fn program(&self, name: &str) -> PathBuf {
        let file = self.bin_name.get(name).map_or(name, String::as_str);
        self.bin_dir.join(file)
    }
}

impl Default for PgSettings {
    fn default() -> Self {
        PgSettings {
            bin_dir: PathBuf::from(DEFAULT_BIN_DIR),
            data_dir: PathBuf::from("/var/lib/postgresql/15/main"),
            listen: "127.0.0.1:5432".to_string(),
            connect_address: None,
            scope: "pg-ha".to_string(),
            name: "node1".to_string(),
            superuser: Credentials {
                username: "postgres".to_string(),
                ..Credentials::default()
            },
            replication: Credentials {
                username: "replicator".to_string(),
                ..Credentials::default()
            },
            rewind: None,
            parameters: BTreeMap::new(),
            pg_hba: Vec::new(),
            pg_ident: Vec::new(),
            recovery_conf: BTreeMap::new(),
            local: LocalServerConfig::default(),
            run_as: None,
            bootstrap_method: BootstrapMethod::Initdb,
            initdb: vec![ToolOption::flag("data-checksums")],
            post_bootstrap: None,
            create_replica_methods: vec![ReplicaMethod::Basebackup],
            basebackup: vec![ToolOption::value("checkpoint", "fast")],
            rewind_options: Vec::new(),
            callbacks: Callbacks::default(),
            hooks: Hooks::default(),
            use_slots: true,
            pg_ctl_timeout: Duration::from_secs(60),
            remove_data_directory_on_rewind_failure: false,
            expected_sysid: None,
            fence_binary: None,
            status_timeout: Duration::from_secs(1),
            use_unix_socket: false,
            config_dir: None,
            custom_conf: None,
            bin_name: BTreeMap::new(),
        }
    }
}

impl PgSettings {
    /// The credentials pg_rewind uses: the rewind role, else the superuser.
    pub fn rewind_credentials(&self) -> &Credentials {
        self.rewind.as_ref().unwrap_or(&self.superuser)
    }
}
