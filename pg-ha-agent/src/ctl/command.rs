//! What a command line asks for: [`Invocation`], one [`Command`] and its options, as
//! `args::parse` builds them.

use std::path::PathBuf;
use std::time::Duration;

/// How long switchover, failover, `pause --wait` and `reinit --wait` wait by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// A parsed command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// `-c` / `--config-file`, if given (else `PATRONICTL_CONFIG_FILE`, else the default).
    pub config_file: Option<PathBuf>,
    /// `-d` / `--dcs-url` (else `$DCS_URL`): the DCS instead of the file's section.
    pub dcs_url: Option<String>,
    /// `-k` / `--insecure`: do not verify the REST APIs' certificates.
    pub insecure: bool,
    /// What to do.
    pub command: Command,
}

/// One command and its options.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `list [CLUSTER]`: the members table.
    List(ListArgs),
    /// `topology [CLUSTER]`: the members table in replication order.
    Topology(ListArgs),
    /// `dsn [CLUSTER]`: a member's libpq connection string.
    Dsn(DsnArgs),
    /// `query [CLUSTER]`: SQL on a member.
    Query(QueryArgs),
    /// `flush [CLUSTER] [MEMBER...] restart|switchover`: cancel scheduled actions.
    Flush(FlushArgs),
    /// `switchover [CLUSTER]`: move the leader to a healthy replica.
    Switchover(SwitchArgs),
    /// `failover [CLUSTER]`: make a named candidate the leader.
    Failover(SwitchArgs),
    /// `restart [CLUSTER] [MEMBER...]`: restart PostgreSQL on members.
    Restart(RestartArgs),
    /// `reload [CLUSTER] [MEMBER...]`: reload the configuration of members.
    Reload(MemberArgs),
    /// `reinit [CLUSTER] MEMBER...`: re-clone replicas from the leader.
    Reinit(ReinitArgs),
    /// `pause [CLUSTER]`: stop automatic failover.
    Pause(PauseArgs),
    /// `resume [CLUSTER]`: resume automatic failover.
    Resume(PauseArgs),
    /// `demote-cluster [CLUSTER]`: make the cluster a standby cluster of a remote.
    DemoteCluster(ClusterRoleArgs),
    /// `promote-cluster [CLUSTER]`: make a standby cluster a primary cluster.
    PromoteCluster(ClusterRoleArgs),
    /// `show-config [CLUSTER]`: print the dynamic configuration.
    ShowConfig(ClusterArg),
    /// `edit-config [CLUSTER]`: change the dynamic configuration.
    EditConfig(EditConfigArgs),
    /// `history [CLUSTER]`: the timeline history.
    History(HistoryArgs),
    /// `remove CLUSTER`: delete the cluster from the DCS.
    Remove(RemoveArgs),
    /// `why [MEMBER]`: a member's last decision and its reason.
    Why(WhyArgs),
    /// `version [CLUSTER [MEMBER...]]`: this program's version, and each member's.
    Version(Vec<String>),
    /// `completion SHELL`: the shell completion script.
    Completion(clap_complete::Shell),
    /// `man`: the man page.
    Man,
    /// Print this text and exit: `--help`, `--version`.
    Print(String),
}

/// How tables are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// Boxed table, as patronictl prints it.
    #[default]
    Pretty,
    /// A JSON array of objects.
    Json,
    /// A YAML list of mappings (the JSON objects).
    Yaml,
    /// Tab-separated values with a header line.
    Tsv,
}

/// Which members a member command picks when none is named (`--role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RoleFilter {
    /// The leader (primary or standby leader).
    Leader,
    /// The leader of a primary cluster.
    Primary,
    /// The leader of a standby cluster.
    StandbyLeader,
    /// Every member but the leader.
    Replica,
    /// Every member.
    #[default]
    Any,
}

/// An optional cluster name (defaults to the configured `scope`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClusterArg {
    /// The cluster to act on instead of the configured scope.
    pub cluster: Option<String>,
}

/// `list`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListArgs {
    /// The cluster.
    pub cluster: Option<String>,
    /// Show the pending restart, scheduled restart and tags columns even when empty.
    pub extended: bool,
    /// Output format.
    pub format: OutputFormat,
    /// `-t`: print the time before the table.
    pub timestamp: bool,
    /// `-W` (every 2 s) or `-w SECONDS`: print again until interrupted.
    pub watch: Option<Duration>,
}

/// `dsn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsnArgs {
    /// The cluster.
    pub cluster: Option<String>,
    /// `-r`: the role of the member (default: the leader).
    pub role: RoleFilter,
    /// `-m`: the member.
    pub member: Option<String>,
}

/// `query`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryArgs {
    /// The cluster.
    pub cluster: Option<String>,
    /// `-r`: the role of the member (default: the leader).
    pub role: RoleFilter,
    /// `-m`: the member.
    pub member: Option<String>,
    /// `-c`: the SQL.
    pub command: Option<String>,
    /// `--file`: a file with the SQL.
    pub file: Option<PathBuf>,
    /// `-U`: the user.
    pub username: Option<String>,
    /// `--dbname`: the database.
    pub dbname: Option<String>,
    /// Output format (default tab-separated).
    pub format: OutputFormat,
    /// The tab-separated form's delimiter.
    pub delimiter: String,
}

/// What `flush` cancels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlushTarget {
    /// Scheduled restarts of the members.
    Restart,
    /// The scheduled switchover.
    Switchover,
}

/// `flush`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlushArgs {
    /// The members (for restarts) and `--force`.
    pub members: MemberArgs,
    /// What to cancel.
    pub target: FlushTarget,
}

/// `switchover` and `failover`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchArgs {
    /// The cluster.
    pub cluster: Option<String>,
    /// `--leader` / `--primary`: the current leader (switchover only).
    pub leader: Option<String>,
    /// `--candidate`: the member to promote.
    pub candidate: Option<String>,
    /// `--scheduled`: when (ISO 8601, or `now`).
    pub scheduled: Option<String>,
    /// Skip every question.
    pub force: bool,
    /// How long to wait for the new leader.
    pub timeout: Duration,
}

/// Members named on the command line, after an optional cluster name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberArgs {
    /// The positional arguments: `[CLUSTER] MEMBER...` (a first name equal to the cluster
    /// name and naming no member is the cluster).
    pub names: Vec<String>,
    /// `--role`: which members to pick when none is named.
    pub role: RoleFilter,
    /// Skip every question.
    pub force: bool,
}

/// `restart`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RestartArgs {
    /// Which members.
    pub members: MemberArgs,
    /// `--pending`: only members with a pending restart.
    pub pending: bool,
    /// `--scheduled`: when (ISO 8601, or `now`).
    pub scheduled: Option<String>,
    /// `--pg-version`: only if the running version is lower.
    pub pg_version: Option<String>,
    /// `--timeout`: how long PostgreSQL may take to start (sent to the member).
    pub timeout: Option<Duration>,
}

/// `reinit`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReinitArgs {
    /// Which members.
    pub members: MemberArgs,
    /// `--wait`: wait until the members are no longer `creating replica`.
    pub wait: bool,
    /// `--from-leader`: clone from the leader even if `clonefrom` members exist.
    pub from_leader: bool,
    /// How long `--wait` waits.
    pub timeout: Duration,
}

/// `pause` and `resume`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PauseArgs {
    /// The cluster.
    pub cluster: Option<String>,
    /// `--wait`: wait until every member reports the new state.
    pub wait: bool,
    /// How long `--wait` waits.
    pub timeout: Duration,
}

/// `demote-cluster` and `promote-cluster`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClusterRoleArgs {
    /// The cluster.
    pub cluster: Option<String>,
    /// `--host`: the remote primary (demote).
    pub host: Option<String>,
    /// `--port`: its port (demote).
    pub port: Option<String>,
    /// `--restore-command`: restore WAL from the remote's archive (demote).
    pub restore_command: Option<String>,
    /// `--primary-slot-name`: the slot on the remote (demote).
    pub primary_slot_name: Option<String>,
    /// `--force`: no confirmation.
    pub force: bool,
    /// How long to wait for the leader's new role.
    pub timeout: Duration,
}

/// `edit-config`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EditConfigArgs {
    /// The cluster.
    pub cluster: Option<String>,
    /// `--set key.path=value` (YAML value; `null` removes the key).
    pub sets: Vec<String>,
    /// `--pg name=value`: `--set postgresql.parameters.name=value`.
    pub pg: Vec<String>,
    /// `--apply FILE|-`: a YAML merge patch.
    pub apply: Option<String>,
    /// `--replace FILE|-`: a whole new configuration.
    pub replace: Option<String>,
    /// `--quiet`: do not show the diff.
    pub quiet: bool,
    /// Write without asking.
    pub force: bool,
}

/// `history`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HistoryArgs {
    /// The cluster.
    pub cluster: Option<String>,
    /// Output format.
    pub format: OutputFormat,
}

/// `remove`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoveArgs {
    /// The cluster to delete (must be given).
    pub cluster: String,
    /// Delete without the confirmations.
    pub force: bool,
}

/// `why`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WhyArgs {
    /// The member to ask (default: the leader).
    pub member: Option<String>,
}
