//! The command line: `pg-ha-ctl [-c FILE] COMMAND [OPTIONS] [ARGS]`, parsed by hand into an
//! [`Invocation`]. Options take `--name value` or `--name=value`; `-c` / `--config-file` is
//! accepted before or after the command; `--` ends the options.

use super::CtlError;
use std::path::PathBuf;
use std::time::Duration;

/// How long switchover, failover, `pause --wait` and `reinit --wait` wait by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// A parsed command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// `-c` / `--config-file`, if given (else `PATRONICTL_CONFIG_FILE`, else the default).
    pub config_file: Option<PathBuf>,
    /// What to do.
    pub command: Command,
}

/// One command and its options.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `list [CLUSTER]`: the members table.
    List(ListArgs),
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
    /// `help [COMMAND]`, `--help`.
    Help(Option<String>),
    /// `version`, `--version`.
    Version,
}

/// How tables are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// Boxed table, as patronictl prints it.
    #[default]
    Pretty,
    /// A JSON array of objects.
    Json,
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

/// One option: its names (the first is canonical) and whether it takes a value.
#[derive(Debug, Clone, Copy)]
struct Opt {
    names: &'static [&'static str],
    value: bool,
}

const CONFIG: Opt = Opt {
    names: &["--config-file", "-c"],
    value: true,
};
const HELP: Opt = Opt {
    names: &["--help", "-h"],
    value: false,
};
const FORCE: Opt = Opt {
    names: &["--force"],
    value: false,
};
const TIMEOUT: Opt = Opt {
    names: &["--timeout"],
    value: true,
};
const WAIT: Opt = Opt {
    names: &["--wait"],
    value: false,
};
const FORMAT: Opt = Opt {
    names: &["--format", "-f"],
    value: true,
};
const ROLE: Opt = Opt {
    names: &["--role", "-r"],
    value: true,
};
const SCHEDULED: Opt = Opt {
    names: &["--scheduled"],
    value: true,
};
const CANDIDATE: Opt = Opt {
    names: &["--candidate"],
    value: true,
};

/// What one command's options parsed into.
#[derive(Debug, Default)]
struct Matches {
    opts: Vec<(&'static str, Option<String>)>,
    positionals: Vec<String>,
    config_file: Option<PathBuf>,
    help: bool,
}

impl Matches {
    fn flag(&self, name: &str) -> bool {
        self.opts.iter().any(|(n, _)| *n == name)
    }

    fn value(&self, name: &str) -> Option<String> {
        self.values(name).pop()
    }

    fn values(&self, name: &str) -> Vec<String> {
        self.opts
            .iter()
            .filter(|(n, _)| *n == name)
            .filter_map(|(_, v)| v.clone())
            .collect()
    }

    fn timeout(&self) -> Result<Duration, CtlError> {
        self.value("--timeout")
            .map(|v| parse_duration(&v))
            .transpose()
            .map(|t| t.unwrap_or(DEFAULT_TIMEOUT))
    }

    fn format(&self) -> Result<OutputFormat, CtlError> {
        match self.value("--format").as_deref() {
            None | Some("pretty") => Ok(OutputFormat::Pretty),
            Some("json") => Ok(OutputFormat::Json),
            Some("tsv") => Ok(OutputFormat::Tsv),
            Some(other) => Err(usage(format!(
                "unknown format `{other}` (expected pretty, json or tsv)"
            ))),
        }
    }

    /// At most `max` positionals, named `what` in the error.
    fn at_most(&self, max: usize, command: &str, what: &str) -> Result<(), CtlError> {
        if self.positionals.len() > max {
            return Err(usage(format!(
                "`{command}` takes at most {max} argument(s) ({what}), got: {}",
                self.positionals.join(" ")
            )));
        }
        Ok(())
    }

    fn cluster(&self, command: &str) -> Result<Option<String>, CtlError> {
        self.at_most(1, command, "the cluster name")?;
        Ok(self.positionals.first().cloned())
    }

    fn member_args(&self) -> Result<MemberArgs, CtlError> {
        Ok(MemberArgs {
            names: self.positionals.clone(),
            role: self
                .value("--role")
                .map(|r| parse_role(&r))
                .transpose()?
                .unwrap_or_default(),
            force: self.flag("--force"),
        })
    }
}

fn usage(message: impl Into<String>) -> CtlError {
    CtlError::Usage(message.into())
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Invocation, CtlError> {
    let mut config_file = None;
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        match arg.as_str() {
            "--help" | "-h" => {
                return Ok(Invocation {
                    config_file,
                    command: Command::Help(None),
                })
            }
            "--version" | "-V" => {
                return Ok(Invocation {
                    config_file,
                    command: Command::Version,
                })
            }
            _ => {}
        }
        if let Some((value, used)) = option_value(args, i, CONFIG)? {
            config_file = Some(PathBuf::from(value));
            i += used;
            continue;
        }
        if arg.starts_with('-') && arg.len() > 1 {
            return Err(usage(format!("unknown option `{arg}` before the command")));
        }
        let mut invocation = parse_command(arg, &args[i + 1..])?;
        invocation.config_file = invocation.config_file.or(config_file);
        return Ok(invocation);
    }
    Err(usage("no command given (try `pg-ha-ctl --help`)"))
}

/// `Some((value, tokens used))` when `args[i]` is option `opt` (`--x v`, `--x=v`, `-xv`).
fn option_value(args: &[String], i: usize, opt: Opt) -> Result<Option<(String, usize)>, CtlError> {
    let arg = &args[i];
    for name in opt.names {
        if arg == name {
            return match args.get(i + 1) {
                Some(value) => Ok(Some((value.clone(), 2))),
                None => Err(usage(format!("option `{name}` needs a value"))),
            };
        }
        if let Some(value) = arg
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('='))
        {
            return Ok(Some((value.to_string(), 1)));
        }
        let short = name.len() == 2 && !name.starts_with("--");
        if let Some(value) = arg.strip_prefix(name).filter(|v| short && !v.is_empty()) {
            return Ok(Some((value.to_string(), 1)));
        }
    }
    Ok(None)
}

/// Parses `rest` against the options of `command` (plus `-c` and `--help`).
fn matches(command: &str, rest: &[String], spec: &[Opt]) -> Result<Matches, CtlError> {
    let mut out = Matches::default();
    let mut i = 0;
    while let Some(arg) = rest.get(i) {
        if arg == "--" {
            out.positionals.extend(rest[i + 1..].iter().cloned());
            break;
        }
        if !arg.starts_with('-') || arg.len() == 1 {
            out.positionals.push(arg.clone());
            i += 1;
            continue;
        }
        if HELP.names.contains(&arg.as_str()) {
            out.help = true;
            i += 1;
            continue;
        }
        if let Some((value, used)) = option_value(rest, i, CONFIG)? {
            out.config_file = Some(PathBuf::from(value));
            i += used;
            continue;
        }
        let mut found = false;
        for opt in spec {
            if opt.value {
                if let Some((value, used)) = option_value(rest, i, *opt)? {
                    out.opts.push((opt.names[0], Some(value)));
                    i += used;
                    found = true;
                    break;
                }
            } else if opt.names.contains(&arg.as_str()) {
                out.opts.push((opt.names[0], None));
                i += 1;
                found = true;
                break;
            }
        }
        if !found {
            return Err(usage(format!(
                "unknown option `{arg}` for `{command}` (see `pg-ha-ctl {command} --help`)"
            )));
        }
    }
    Ok(out)
}

fn parse_command(name: &str, rest: &[String]) -> Result<Invocation, CtlError> {
    let name = match name {
        "reinitialize" => "reinit",
        "ls" => "list",
        other => other,
    };
    let spec: &[Opt] = match name {
        "list" => &[
            Opt {
                names: &["--extended", "-e"],
                value: false,
            },
            FORMAT,
        ],
        "switchover" => &[
            Opt {
                names: &["--leader", "--primary", "--master"],
                value: true,
            },
            CANDIDATE,
            SCHEDULED,
            FORCE,
            TIMEOUT,
        ],
        "failover" => &[CANDIDATE, FORCE, TIMEOUT],
        "restart" => &[
            ROLE,
            Opt {
                names: &["--any"],
                value: false,
            },
            Opt {
                names: &["--pending", "-p"],
                value: false,
            },
            SCHEDULED,
            Opt {
                names: &["--pg-version"],
                value: true,
            },
            TIMEOUT,
            FORCE,
        ],
        "reload" => &[ROLE, FORCE],
        "reinit" => &[
            FORCE,
            WAIT,
            TIMEOUT,
            Opt {
                names: &["--from-leader"],
                value: false,
            },
        ],
        "pause" | "resume" => &[WAIT, TIMEOUT],
        "show-config" | "why" | "help" | "version" => &[],
        "edit-config" => &[
            Opt {
                names: &["--set", "-s"],
                value: true,
            },
            Opt {
                names: &["--pg", "-p"],
                value: true,
            },
            Opt {
                names: &["--apply"],
                value: true,
            },
            Opt {
                names: &["--replace"],
                value: true,
            },
            Opt {
                names: &["--quiet", "-q"],
                value: false,
            },
            FORCE,
        ],
        "history" => &[FORMAT],
        "remove" => &[FORCE],
        other => {
            return Err(usage(format!(
                "unknown command `{other}` (try `pg-ha-ctl --help`)"
            )))
        }
    };
    let m = matches(name, rest, spec)?;
    let command = if m.help {
        Command::Help(Some(name.to_string()))
    } else {
        build(name, &m)?
    };
    Ok(Invocation {
        config_file: m.config_file,
        command,
    })
}

fn build(name: &str, m: &Matches) -> Result<Command, CtlError> {
    Ok(match name {
        "list" => Command::List(ListArgs {
            cluster: m.cluster(name)?,
            extended: m.flag("--extended"),
            format: m.format()?,
        }),
        "switchover" | "failover" => {
            let args = SwitchArgs {
                cluster: m.cluster(name)?,
                leader: m.value("--leader"),
                candidate: m.value("--candidate"),
                scheduled: m.value("--scheduled"),
                force: m.flag("--force"),
                timeout: m.timeout()?,
            };
            if name == "switchover" {
                Command::Switchover(args)
            } else {
                Command::Failover(args)
            }
        }
        "restart" => {
            let mut members = m.member_args()?;
            if m.flag("--any") {
                members.role = RoleFilter::Any;
            }
            Command::Restart(RestartArgs {
                members,
                pending: m.flag("--pending"),
                scheduled: m.value("--scheduled"),
                pg_version: m.value("--pg-version"),
                timeout: m
                    .value("--timeout")
                    .map(|v| parse_duration(&v))
                    .transpose()?,
            })
        }
        "reload" => Command::Reload(m.member_args()?),
        "reinit" => Command::Reinit(ReinitArgs {
            members: m.member_args()?,
            wait: m.flag("--wait"),
            from_leader: m.flag("--from-leader"),
            timeout: m.timeout()?,
        }),
        "pause" | "resume" => {
            let args = PauseArgs {
                cluster: m.cluster(name)?,
                wait: m.flag("--wait"),
                timeout: m.timeout()?,
            };
            if name == "pause" {
                Command::Pause(args)
            } else {
                Command::Resume(args)
            }
        }
        "show-config" => Command::ShowConfig(ClusterArg {
            cluster: m.cluster(name)?,
        }),
        "edit-config" => Command::EditConfig(EditConfigArgs {
            cluster: m.cluster(name)?,
            sets: m.values("--set"),
            pg: m.values("--pg"),
            apply: m.value("--apply"),
            replace: m.value("--replace"),
            quiet: m.flag("--quiet"),
            force: m.flag("--force"),
        }),
        "history" => Command::History(HistoryArgs {
            cluster: m.cluster(name)?,
            format: m.format()?,
        }),
        "remove" => {
            m.at_most(1, name, "the cluster name")?;
            let cluster = m
                .positionals
                .first()
                .cloned()
                .ok_or_else(|| usage("`remove` needs the name of the cluster to remove"))?;
            Command::Remove(RemoveArgs {
                cluster,
                force: m.flag("--force"),
            })
        }
        "why" => {
            m.at_most(1, name, "the member name")?;
            Command::Why(WhyArgs {
                member: m.positionals.first().cloned(),
            })
        }
        "help" => {
            m.at_most(1, name, "the command")?;
            Command::Help(m.positionals.first().cloned())
        }
        _ => Command::Version,
    })
}

/// `leader`, `primary` (`master`), `standby-leader`, `replica`, `any`.
fn parse_role(text: &str) -> Result<RoleFilter, CtlError> {
    match text.to_ascii_lowercase().replace('_', "-").as_str() {
        "leader" => Ok(RoleFilter::Leader),
        "primary" | "master" => Ok(RoleFilter::Primary),
        "standby-leader" => Ok(RoleFilter::StandbyLeader),
        "replica" => Ok(RoleFilter::Replica),
        "any" => Ok(RoleFilter::Any),
        other => Err(usage(format!(
            "unknown role `{other}` (expected leader, primary, standby-leader, replica or any)"
        ))),
    }
}

/// Seconds (`60`, `1.5`, `60s`) or milliseconds (`500ms`).
pub fn parse_duration(text: &str) -> Result<Duration, CtlError> {
    let text = text.trim();
    let (number, scale) = if let Some(ms) = text.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(s) = text.strip_suffix('s') {
        (s, 1.0)
    } else if let Some(m) = text.strip_suffix("min") {
        (m, 60.0)
    } else {
        (text, 1.0)
    };
    match number.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok(Duration::from_secs_f64(n * scale)),
        _ => Err(usage(format!(
            "invalid duration `{text}` (expected seconds, e.g. 60, 1.5 or 500ms)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(line: &str) -> Result<Invocation, CtlError> {
        let args: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        parse(&args)
    }

    fn command(line: &str) -> Command {
        match parse_str(line) {
            Ok(invocation) => invocation.command,
            Err(e) => panic!("`{line}` should parse: {e}"),
        }
    }

    fn error(line: &str) -> String {
        match parse_str(line) {
            Ok(invocation) => panic!("`{line}` should fail, got {invocation:?}"),
            Err(e) => {
                assert_eq!(e.exit_code(), 2, "usage errors exit with 2");
                e.to_string()
            }
        }
    }

    #[test]
    fn config_file_before_or_after_the_command() {
        for line in [
            "-c /etc/p.yml list",
            "--config-file /etc/p.yml list",
            "--config-file=/etc/p.yml list",
            "-c/etc/p.yml list",
            "list -c /etc/p.yml",
            "list --config-file=/etc/p.yml",
        ] {
            let invocation = parse_str(line).expect("parses");
            assert_eq!(
                invocation.config_file,
                Some(PathBuf::from("/etc/p.yml")),
                "{line}"
            );
            assert_eq!(invocation.command, Command::List(ListArgs::default()));
        }
        assert_eq!(parse_str("list").expect("parses").config_file, None);
    }

    #[test]
    fn switchover_options() {
        let Command::Switchover(args) = command(
            "switchover demo --primary node1 --candidate=node2 --scheduled 2030-01-01T10:00+00:00 --force --timeout 30",
        ) else {
            panic!("not a switchover");
        };
        assert_eq!(args.cluster.as_deref(), Some("demo"));
        assert_eq!(args.leader.as_deref(), Some("node1"));
        assert_eq!(args.candidate.as_deref(), Some("node2"));
        assert_eq!(args.scheduled.as_deref(), Some("2030-01-01T10:00+00:00"));
        assert!(args.force);
        assert_eq!(args.timeout, Duration::from_secs(30));
        let Command::Switchover(args) = command("switchover --leader node1") else {
            panic!("not a switchover");
        };
        assert_eq!(args.leader.as_deref(), Some("node1"));
        assert!(!args.force);
        assert_eq!(args.timeout, DEFAULT_TIMEOUT);
    }

    #[test]
    fn failover_has_no_leader_option() {
        let Command::Failover(args) = command("failover --candidate node2 --force") else {
            panic!("not a failover");
        };
        assert_eq!(args.candidate.as_deref(), Some("node2"));
        assert!(error("failover --leader node1").contains("unknown option `--leader`"));
    }

    #[test]
    fn member_commands_keep_names_and_filters() {
        let Command::Restart(args) =
            command("restart demo node1 node2 --role replica --pending --pg-version 15.4 --force")
        else {
            panic!("not a restart");
        };
        assert_eq!(args.members.names, vec!["demo", "node1", "node2"]);
        assert_eq!(args.members.role, RoleFilter::Replica);
        assert!(args.pending && args.members.force);
        assert_eq!(args.pg_version.as_deref(), Some("15.4"));
        let Command::Restart(args) = command("restart --role primary --any") else {
            panic!("not a restart");
        };
        assert_eq!(args.members.role, RoleFilter::Any);
        let Command::Reinit(args) = command("reinitialize node2 --wait --timeout 500ms") else {
            panic!("not a reinit");
        };
        assert_eq!(args.members.names, vec!["node2"]);
        assert!(args.wait);
        assert_eq!(args.timeout, Duration::from_millis(500));
        assert!(matches!(command("reload node1"), Command::Reload(m) if m.names == ["node1"]));
        assert!(error("restart --role boss").contains("unknown role `boss`"));
    }

    #[test]
    fn edit_config_collects_repeated_options() {
        let Command::EditConfig(args) =
            command("edit-config -s ttl=40 --set loop_wait=5 --pg max_connections=200 -q --force")
        else {
            panic!("not edit-config");
        };
        assert_eq!(args.sets, vec!["ttl=40", "loop_wait=5"]);
        assert_eq!(args.pg, vec!["max_connections=200"]);
        assert!(args.quiet && args.force);
        let Command::EditConfig(args) = command("edit-config --apply - --force") else {
            panic!("not edit-config");
        };
        assert_eq!(args.apply.as_deref(), Some("-"));
    }

    #[test]
    fn values_may_start_with_a_dash_after_the_option() {
        let Command::EditConfig(args) = command("edit-config --set x=-1") else {
            panic!("not edit-config");
        };
        assert_eq!(args.sets, vec!["x=-1"]);
    }

    #[test]
    fn remove_needs_the_cluster_name() {
        assert_eq!(
            command("remove demo --force"),
            Command::Remove(RemoveArgs {
                cluster: "demo".into(),
                force: true
            })
        );
        assert!(error("remove --force").contains("needs the name of the cluster"));
        assert!(error("remove a b").contains("at most 1"));
    }

    #[test]
    fn help_version_and_formats() {
        assert_eq!(command("--help"), Command::Help(None));
        assert_eq!(
            command("switchover --help"),
            Command::Help(Some("switchover".into()))
        );
        assert_eq!(command("help pause"), Command::Help(Some("pause".into())));
        assert_eq!(command("--version"), Command::Version);
        assert!(
            matches!(command("list -f json -e"), Command::List(l) if l.format == OutputFormat::Json && l.extended)
        );
        assert!(
            matches!(command("history --format=tsv"), Command::History(h) if h.format == OutputFormat::Tsv)
        );
        assert!(error("list -f xml").contains("unknown format `xml`"));
        assert!(
            matches!(command("why node2"), Command::Why(w) if w.member.as_deref() == Some("node2"))
        );
        assert!(matches!(command("pause --wait"), Command::Pause(p) if p.wait));
        assert!(
            matches!(command("resume demo"), Command::Resume(p) if p.cluster.as_deref() == Some("demo"))
        );
        assert!(matches!(command("show-config"), Command::ShowConfig(_)));
    }

    #[test]
    fn bad_command_lines_are_usage_errors() {
        assert!(error("").contains("no command given"));
        assert!(error("frobnicate").contains("unknown command `frobnicate`"));
        assert!(error("list --force").contains("unknown option `--force` for `list`"));
        assert!(error("--bogus list").contains("unknown option `--bogus`"));
        assert!(error("switchover --candidate").contains("needs a value"));
        assert!(error("list a b").contains("at most 1"));
        assert!(error("-c").contains("needs a value"));
        assert!(error("pause --timeout soon").contains("invalid duration `soon`"));
        assert!(error("pause --timeout 0").contains("invalid duration"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60").ok(), Some(Duration::from_secs(60)));
        assert_eq!(
            parse_duration("1.5s").ok(),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_duration("250ms").ok(),
            Some(Duration::from_millis(250))
        );
        assert_eq!(parse_duration("2min").ok(), Some(Duration::from_secs(120)));
        assert!(parse_duration("-1").is_err());
    }
}
