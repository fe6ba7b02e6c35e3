//! The command line, declared once with clap derive: `pg-ha-ctl [-c FILE] COMMAND [OPTIONS]
//! [ARGS]`, with every patronictl option name. The same definition gives the help texts, the
//! shell completions (`pg-ha-ctl completion SHELL`) and the man page (`pg-ha-ctl man`).

use super::command::{
    ClusterArg, ClusterRoleArgs, Command, DsnArgs, EditConfigArgs, FlushArgs, FlushTarget,
    HistoryArgs, ListArgs, MemberArgs, OutputFormat, PauseArgs, QueryArgs, ReinitArgs, RemoveArgs,
    RestartArgs, RoleFilter, SwitchArgs, WhyArgs,
};
use super::duration::parse_duration;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// Every help text starts with the usage line, as patronictl's does.
const TEMPLATE: &str = "usage: {usage}\n\n{about-with-newline}\n{all-args}{after-help}";

/// Manage a pg-ha (or Patroni) cluster, like patronictl.
///
/// The configuration is the agent's YAML file (Patroni's format): -c / --config-file, else
/// $PATRONICTL_CONFIG_FILE, else ~/.config/patroni/patronictl.yaml. The cluster is read from
/// the DCS; requests go to the members' REST APIs (basic auth from ctl.authentication, else
/// restapi.authentication). Commands that ask for confirmation take --force; without it they
/// refuse to run when no terminal is attached.
#[derive(Debug, Parser)]
#[command(
    name = "pg-ha-ctl",
    version,
    help_template = TEMPLATE,
    subcommand_required = true
)]
pub struct Cli {
    /// The configuration file (the agent's YAML).
    #[arg(short = 'c', long = "config-file", value_name = "FILE")]
    config_file: Option<PathBuf>,
    /// The DCS to read instead of the file's section (etcd3://HOST:PORT, consul://...,
    /// zookeeper://...); also $DCS_URL.
    #[arg(short = 'd', long = "dcs-url", value_name = "URL")]
    dcs_url: Option<String>,
    /// Do not verify the REST APIs' TLS certificates.
    #[arg(short = 'k', long)]
    insecure: bool,
    /// What to do.
    #[command(subcommand)]
    command: Cmd,
}

/// The commands.
#[derive(Debug, Subcommand)]
#[command(help_template = TEMPLATE)]
enum Cmd {
    /// The members with host, role, state, timeline and lag (MB behind the leader's last
    /// reported position), then maintenance mode and a scheduled switchover.
    #[command(alias = "ls", help_template = TEMPLATE)]
    List(ListCli),
    /// The members table in replication order: the leader, then each replica under the
    /// member it replicates from.
    #[command(help_template = TEMPLATE)]
    Topology(ListCli),
    /// A member's libpq connection string (`host=... port=...`): the leader, or the first
    /// member of --role, or --member.
    #[command(help_template = TEMPLATE)]
    Dsn(DsnCli),
    /// Run SQL (--command or --file) on a member (the leader, or the first of --role, or
    /// --member) and print the rows: tab-separated (header first, NULL as None), or
    /// --format pretty/json/yaml.
    #[command(help_template = TEMPLATE)]
    Query(QueryCli),
    /// Cancel scheduled actions: `flush [CLUSTER] [MEMBER...] restart` (DELETE /restart on
    /// the members) or `flush [CLUSTER] switchover` (the scheduled switchover).
    #[command(help_template = TEMPLATE)]
    Flush(FlushCli),
    /// Ask the leader (POST /switchover) to hand over to the candidate, or to the healthiest
    /// replica, then follow the leader key until it moves or the timeout passes.
    #[command(help_template = TEMPLATE)]
    Switchover(SwitchoverCli),
    /// Ask a reachable member (the leader first) to make the candidate the leader
    /// (POST /failover), also without a leader, then wait for it.
    #[command(help_template = TEMPLATE)]
    Failover(FailoverCli),
    /// POST /restart on each member (all members of the role when none is named).
    #[command(help_template = TEMPLATE)]
    Restart(RestartCli),
    /// POST /reload on each member.
    #[command(help_template = TEMPLATE)]
    Reload(ReloadCli),
    /// POST /reinitialize on each member; --wait follows them until they are no longer
    /// `creating replica`.
    #[command(alias = "reinitialize", help_template = TEMPLATE)]
    Reinit(ReinitCli),
    /// Stop automatic failover: PATCH /config {"pause": true} on the first member that
    /// answers, leader first.
    #[command(help_template = TEMPLATE)]
    Pause(PauseCli),
    /// Resume automatic failover: PATCH /config {"pause": null}.
    #[command(help_template = TEMPLATE)]
    Resume(PauseCli),
    /// Make the cluster a standby cluster of a remote primary (--host or --restore-command),
    /// then wait until its leader replicates from the remote.
    #[command(help_template = TEMPLATE)]
    DemoteCluster(DemoteCli),
    /// Make a standby cluster a primary cluster, then wait until its leader runs as primary.
    #[command(help_template = TEMPLATE)]
    PromoteCluster(PromoteCli),
    /// Print the `config` key as YAML.
    #[command(help_template = TEMPLATE)]
    ShowConfig(ClusterCli),
    /// Change the `config` key with a conditional write: --set, --pg, --apply, --replace,
    /// or $EDITOR on a terminal; shows the diff and asks before writing unless --force.
    #[command(help_template = TEMPLATE)]
    EditConfig(EditConfigCli),
    /// The `history` key: one row per timeline switch.
    #[command(help_template = TEMPLATE)]
    History(HistoryCli),
    /// Delete every key of the cluster from the DCS (asks for the cluster name, "Yes I am
    /// aware" and the leader's name unless --force).
    #[command(help_template = TEMPLATE)]
    Remove(RemoveCli),
    /// A member's last decision, its reason, the actions taken and the lease (default: the
    /// leader).
    #[command(help_template = TEMPLATE)]
    Why(WhyCli),
    /// Print the version; with a cluster, each member's too (GET /patroni).
    #[command(help_template = TEMPLATE)]
    Version {
        /// `[CLUSTER [MEMBER...]]`.
        names: Vec<String>,
    },
    /// Print the shell completion script for SHELL (bash, zsh, fish, elvish, powershell).
    #[command(help_template = TEMPLATE)]
    Completion {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    #[command(help_template = TEMPLATE)]
    Man,
}

fn duration(text: &str) -> Result<Duration, String> {
    parse_duration(text).map_err(|e| e.to_string())
}

fn format(text: &str) -> Result<OutputFormat, String> {
    match text {
        "pretty" => Ok(OutputFormat::Pretty),
        "json" => Ok(OutputFormat::Json),
        "yaml" | "yml" => Ok(OutputFormat::Yaml),
        "tsv" => Ok(OutputFormat::Tsv),
        other => Err(format!(
            "unknown format `{other}` (expected pretty, json, yaml or tsv)"
        )),
    }
}

/// `leader`, `primary` (`master`), `standby-leader`, `replica`, `any`.
fn role(text: &str) -> Result<RoleFilter, String> {
    match text.to_ascii_lowercase().replace('_', "-").as_str() {
        "leader" => Ok(RoleFilter::Leader),
        "primary" | "master" => Ok(RoleFilter::Primary),
        "standby-leader" => Ok(RoleFilter::StandbyLeader),
        "replica" => Ok(RoleFilter::Replica),
        "any" => Ok(RoleFilter::Any),
        other => Err(format!(
            "unknown role `{other}` (expected leader, primary, standby-leader, replica or any)"
        )),
    }
}

/// An optional cluster name.
#[derive(Debug, Args)]
struct ClusterCli {
    /// The cluster (default: the configured scope).
    cluster: Option<String>,
}

/// How long to wait.
#[derive(Debug, Args)]
struct TimeoutCli {
    /// How long to wait (seconds, or with ms / s / min).
    #[arg(long, value_parser = duration, default_value = "60", value_name = "SECONDS")]
    timeout: Duration,
}

#[derive(Debug, Args)]
struct ListCli {
    #[command(flatten)]
    cluster: ClusterCli,
    /// Show the pending restart, scheduled restart and tags columns even when empty.
    #[arg(short = 'e', long)]
    extended: bool,
    /// Output format: pretty, json, yaml or tsv.
    #[arg(short = 'f', long, value_parser = format, default_value = "pretty")]
    format: OutputFormat,
    /// Print the time before the table.
    #[arg(short = 't', long)]
    timestamp: bool,
    /// Print again every 2 seconds until interrupted.
    #[arg(short = 'W')]
    watch_often: bool,
    /// Print again every SECONDS until interrupted.
    #[arg(short = 'w', long = "watch", value_name = "SECONDS", value_parser = seconds)]
    watch: Option<Duration>,
}

impl ListCli {
    fn args(self) -> ListArgs {
        let often = self.watch_often.then_some(Duration::from_secs(2));
        ListArgs {
            cluster: self.cluster.cluster,
            extended: self.extended,
            format: self.format,
            timestamp: self.timestamp,
            watch: self.watch.or(often),
        }
    }
}

fn seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("expected a number of seconds above 0, got `{text}`"))
}

#[derive(Debug, Args)]
struct DsnCli {
    #[command(flatten)]
    cluster: ClusterCli,
    /// The role of the member: leader, primary, standby-leader, replica, any.
    #[arg(short = 'r', long, value_parser = role, default_value = "leader")]
    role: RoleFilter,
    /// The member.
    #[arg(short = 'm', long, value_name = "NAME")]
    member: Option<String>,
}

#[derive(Debug, Args)]
struct QueryCli {
    #[command(flatten)]
    cluster: ClusterCli,
    /// The role of the member: leader, primary, standby-leader, replica, any.
    #[arg(short = 'r', long, value_parser = role, default_value = "any")]
    role: RoleFilter,
    /// The member.
    #[arg(short = 'm', long, value_name = "NAME")]
    member: Option<String>,
    /// The SQL to run.
    #[arg(short = 'c', long = "command", value_name = "SQL")]
    command: Option<String>,
    /// A file with the SQL to run.
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// The user (default: postgresql.authentication.superuser).
    #[arg(short = 'U', long, value_name = "USER")]
    username: Option<String>,
    /// The database (default: postgres).
    #[arg(short = 'd', long, value_name = "NAME")]
    dbname: Option<String>,
    /// Output format: tsv (default), pretty, json or yaml.
    #[arg(long, value_parser = format, default_value = "tsv")]
    format: OutputFormat,
    /// The delimiter of the tab-separated form.
    #[arg(long, default_value = "\t")]
    delimiter: String,
}

#[derive(Debug, Args)]
struct FlushCli {
    /// `[CLUSTER] [MEMBER...] restart|switchover`.
    #[arg(required = true)]
    names: Vec<String>,
    /// Which members when none is named: leader, primary, standby-leader, replica, any.
    #[arg(short = 'r', long, value_parser = role, default_value = "any")]
    role: RoleFilter,
    /// Skip every question.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct FailoverCli {
    #[command(flatten)]
    cluster: ClusterCli,
    /// The member to promote.
    #[arg(long, value_name = "NAME")]
    candidate: Option<String>,
    /// Skip every question.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    timeout: TimeoutCli,
}

#[derive(Debug, Args)]
struct SwitchoverCli {
    /// The current leader.
    #[arg(long, visible_alias = "primary", alias = "master", value_name = "NAME")]
    leader: Option<String>,
    /// When (ISO 8601, or `now`).
    #[arg(long, value_name = "TIME")]
    scheduled: Option<String>,
    #[command(flatten)]
    failover: FailoverCli,
}

#[derive(Debug, Args)]
struct MembersCli {
    /// `[CLUSTER] MEMBER...`: a first name that is the cluster's and no member's is the
    /// cluster.
    names: Vec<String>,
    /// Which members when none is named: leader, primary, standby-leader, replica, any.
    #[arg(short = 'r', long, value_parser = role, default_value = "any")]
    role: RoleFilter,
    /// Skip every question.
    #[arg(long)]
    force: bool,
}

impl MembersCli {
    fn args(self) -> MemberArgs {
        MemberArgs {
            names: self.names,
            role: self.role,
            force: self.force,
        }
    }
}

#[derive(Debug, Args)]
struct RestartCli {
    #[command(flatten)]
    members: MembersCli,
    /// Restart members of any role (overrides --role).
    #[arg(long)]
    any: bool,
    /// Only members with a pending restart.
    #[arg(short = 'p', long)]
    pending: bool,
    /// When (ISO 8601, or `now`).
    #[arg(long, value_name = "TIME")]
    scheduled: Option<String>,
    /// Only members running a lower PostgreSQL version (X.Y).
    #[arg(long, value_name = "VERSION")]
    pg_version: Option<String>,
    /// How long PostgreSQL may take to start (sent to the member).
    #[arg(long, value_parser = duration, value_name = "SECONDS")]
    timeout: Option<Duration>,
}

#[derive(Debug, Args)]
struct ReloadCli {
    #[command(flatten)]
    members: MembersCli,
}

#[derive(Debug, Args)]
struct ReinitCli {
    #[command(flatten)]
    members: MembersCli,
    /// Wait until the members are no longer `creating replica`.
    #[arg(long)]
    wait: bool,
    /// Clone from the leader even if `clonefrom` members exist.
    #[arg(long)]
    from_leader: bool,
    #[command(flatten)]
    timeout: TimeoutCli,
}

#[derive(Debug, Args)]
struct PauseCli {
    #[command(flatten)]
    cluster: ClusterCli,
    /// Wait until every member reports the new state.
    #[arg(long)]
    wait: bool,
    #[command(flatten)]
    timeout: TimeoutCli,
}

#[derive(Debug, Args)]
struct PromoteCli {
    #[command(flatten)]
    cluster: ClusterCli,
    /// Skip the confirmation.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    timeout: TimeoutCli,
}

#[derive(Debug, Args)]
struct DemoteCli {
    /// The remote primary's host.
    #[arg(long)]
    host: Option<String>,
    /// The remote primary's port.
    #[arg(long)]
    port: Option<String>,
    /// Restore WAL from the remote's archive with this command.
    #[arg(long, value_name = "CMD", allow_hyphen_values = true)]
    restore_command: Option<String>,
    /// The replication slot on the remote.
    #[arg(long, value_name = "SLOT")]
    primary_slot_name: Option<String>,
    #[command(flatten)]
    promote: PromoteCli,
}

#[derive(Debug, Args)]
struct EditConfigCli {
    #[command(flatten)]
    cluster: ClusterCli,
    /// KEY.PATH=VALUE (YAML value; `null` removes the key); repeatable.
    #[arg(
        short = 's',
        long = "set",
        value_name = "KEY=VALUE",
        allow_hyphen_values = true
    )]
    sets: Vec<String>,
    /// NAME=VALUE: --set postgresql.parameters.NAME=VALUE; repeatable.
    #[arg(
        short = 'p',
        long = "pg",
        value_name = "NAME=VALUE",
        allow_hyphen_values = true
    )]
    pg: Vec<String>,
    /// Merge a YAML patch from FILE (`-`: standard input).
    #[arg(long, value_name = "FILE", allow_hyphen_values = true)]
    apply: Option<String>,
    /// Replace the whole configuration with FILE (`-`: standard input).
    #[arg(long, value_name = "FILE", allow_hyphen_values = true)]
    replace: Option<String>,
    /// Do not show the diff.
    #[arg(short = 'q', long)]
    quiet: bool,
    /// Write without asking.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct HistoryCli {
    #[command(flatten)]
    cluster: ClusterCli,
    /// Output format: pretty, json, yaml or tsv.
    #[arg(short = 'f', long, value_parser = format, default_value = "pretty")]
    format: OutputFormat,
}

#[derive(Debug, Args)]
struct RemoveCli {
    /// The cluster to delete.
    cluster: String,
    /// Delete without the confirmations.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct WhyCli {
    /// The member to ask (default: the leader).
    member: Option<String>,
}

impl Cli {
    /// The configuration file given, if any.
    pub(super) fn config_file(&self) -> Option<PathBuf> {
        self.config_file.clone()
    }

    /// `-d`, else `$DCS_URL`.
    pub(super) fn dcs_url(&self) -> Option<String> {
        self.dcs_url.clone().or_else(|| {
            std::env::var(super::dcs_url::DCS_URL_VAR)
                .ok()
                .filter(|u| !u.is_empty())
        })
    }

    /// `-k`.
    pub(super) fn insecure(&self) -> bool {
        self.insecure
    }

    /// The command, as `run` takes it.
    pub(super) fn into_command(self) -> Command {
        match self.command {
            Cmd::List(a) => Command::List(a.args()),
            Cmd::Topology(a) => Command::Topology(a.args()),
            Cmd::Dsn(a) => Command::Dsn(DsnArgs {
                cluster: a.cluster.cluster,
                role: a.role,
                member: a.member,
            }),
            Cmd::Flush(a) => flush_command(a),
            Cmd::Query(a) => Command::Query(QueryArgs {
                cluster: a.cluster.cluster,
                role: a.role,
                member: a.member,
                command: a.command,
                file: a.file,
                username: a.username,
                dbname: a.dbname,
                format: a.format,
                delimiter: a.delimiter,
            }),
            Cmd::Switchover(a) => Command::Switchover(SwitchArgs {
                leader: a.leader,
                scheduled: a.scheduled,
                ..switch_args(a.failover)
            }),
            Cmd::Failover(a) => Command::Failover(switch_args(a)),
            Cmd::Restart(a) => Command::Restart(restart_args(a)),
            Cmd::Reload(a) => Command::Reload(a.members.args()),
            Cmd::Reinit(a) => Command::Reinit(ReinitArgs {
                members: a.members.args(),
                wait: a.wait,
                from_leader: a.from_leader,
                timeout: a.timeout.timeout,
            }),
            Cmd::Pause(a) => Command::Pause(pause_args(a)),
            Cmd::Resume(a) => Command::Resume(pause_args(a)),
            Cmd::DemoteCluster(a) => Command::DemoteCluster(ClusterRoleArgs {
                host: a.host,
                port: a.port,
                restore_command: a.restore_command,
                primary_slot_name: a.primary_slot_name,
                ..cluster_role_args(a.promote)
            }),
            Cmd::PromoteCluster(a) => Command::PromoteCluster(cluster_role_args(a)),
            Cmd::ShowConfig(a) => Command::ShowConfig(ClusterArg { cluster: a.cluster }),
            Cmd::EditConfig(a) => Command::EditConfig(EditConfigArgs {
                cluster: a.cluster.cluster,
                sets: a.sets,
                pg: a.pg,
                apply: a.apply,
                replace: a.replace,
                quiet: a.quiet,
                force: a.force,
            }),
            Cmd::History(a) => Command::History(HistoryArgs {
                cluster: a.cluster.cluster,
                format: a.format,
            }),
            Cmd::Remove(a) => Command::Remove(RemoveArgs {
                cluster: a.cluster,
                force: a.force,
            }),
            Cmd::Why(a) => Command::Why(WhyArgs { member: a.member }),
            Cmd::Version { names } => Command::Version(names),
            Cmd::Completion { shell } => Command::Completion(shell),
            Cmd::Man => Command::Man,
        }
    }
}

/// `flush`: the last positional is the target; one that is neither is shown by `run`.
fn flush_command(a: FlushCli) -> Command {
    let mut names = a.names;
    let target = match names.pop().as_deref() {
        Some("restart") => FlushTarget::Restart,
        Some("switchover") => FlushTarget::Switchover,
        other => {
            return Command::Print(format!(
                "usage: pg-ha-ctl flush [CLUSTER] [MEMBER...] restart|switchover\n\
                 error: the last argument must be restart or switchover, not {:?}",
                other.unwrap_or_default()
            ))
        }
    };
    Command::Flush(FlushArgs {
        members: MemberArgs {
            names,
            role: a.role,
            force: a.force,
        },
        target,
    })
}

fn switch_args(a: FailoverCli) -> SwitchArgs {
    SwitchArgs {
        cluster: a.cluster.cluster,
        leader: None,
        candidate: a.candidate,
        scheduled: None,
        force: a.force,
        timeout: a.timeout.timeout,
    }
}

fn restart_args(a: RestartCli) -> RestartArgs {
    let mut members = a.members.args();
    if a.any {
        members.role = RoleFilter::Any;
    }
    RestartArgs {
        members,
        pending: a.pending,
        scheduled: a.scheduled,
        pg_version: a.pg_version,
        timeout: a.timeout,
    }
}

fn pause_args(a: PauseCli) -> PauseArgs {
    PauseArgs {
        cluster: a.cluster.cluster,
        wait: a.wait,
        timeout: a.timeout.timeout,
    }
}

fn cluster_role_args(a: PromoteCli) -> ClusterRoleArgs {
    ClusterRoleArgs {
        cluster: a.cluster.cluster,
        force: a.force,
        timeout: a.timeout.timeout,
        ..ClusterRoleArgs::default()
    }
}
