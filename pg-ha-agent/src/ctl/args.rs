//! The command line: `pg-ha-ctl [-c FILE] COMMAND [OPTIONS] [ARGS]`, parsed by hand into an
//! [`Invocation`]. Options take `--name value` or `--name=value`; `-c` / `--config-file` is
//! accepted before or after the command; `--` ends the options.

use super::command::{
    ClusterArg, ClusterRoleArgs, Command, EditConfigArgs, HistoryArgs, Invocation, ListArgs,
    MemberArgs, OutputFormat, PauseArgs, ReinitArgs, RemoveArgs, RestartArgs, RoleFilter,
    SwitchArgs, WhyArgs, DEFAULT_TIMEOUT,
};
use super::options::{flag, option_value, parse_duration, scan, valued, Matches, Opt, CONFIG};
use super::CtlError;
use std::path::PathBuf;
use std::time::Duration;

const FORCE: Opt = flag(&["--force"]);
const TIMEOUT: Opt = valued(&["--timeout"]);
const WAIT: Opt = flag(&["--wait"]);
const FORMAT: Opt = valued(&["--format", "-f"]);
const ROLE: Opt = valued(&["--role", "-r"]);
const SCHEDULED: Opt = valued(&["--scheduled"]);
const CANDIDATE: Opt = valued(&["--candidate"]);

const LIST: &[Opt] = &[flag(&["--extended", "-e"]), FORMAT];
const SWITCHOVER: &[Opt] = &[
    valued(&["--leader", "--primary", "--master"]),
    CANDIDATE,
    SCHEDULED,
    FORCE,
    TIMEOUT,
];
const FAILOVER: &[Opt] = &[CANDIDATE, FORCE, TIMEOUT];
const RESTART: &[Opt] = &[
    ROLE,
    flag(&["--any"]),
    flag(&["--pending", "-p"]),
    SCHEDULED,
    valued(&["--pg-version"]),
    TIMEOUT,
    FORCE,
];
const RELOAD: &[Opt] = &[ROLE, FORCE];
const REINIT: &[Opt] = &[FORCE, WAIT, TIMEOUT, flag(&["--from-leader"])];
const PAUSE: &[Opt] = &[WAIT, TIMEOUT];
const EDIT_CONFIG: &[Opt] = &[
    valued(&["--set", "-s"]),
    valued(&["--pg", "-p"]),
    valued(&["--apply"]),
    valued(&["--replace"]),
    flag(&["--quiet", "-q"]),
    FORCE,
];
const DEMOTE_CLUSTER: &[Opt] = &[
    valued(&["--host"]),
    valued(&["--port"]),
    valued(&["--restore-command"]),
    valued(&["--primary-slot-name"]),
    FORCE,
    TIMEOUT,
];
const PROMOTE_CLUSTER: &[Opt] = &[FORCE, TIMEOUT];
const HISTORY: &[Opt] = &[FORMAT];
const REMOVE: &[Opt] = &[FORCE];

/// The options of `command`, or `None` for an unknown command.
fn spec(command: &str) -> Option<&'static [Opt]> {
    Some(match command {
        "list" => LIST,
        "switchover" => SWITCHOVER,
        "failover" => FAILOVER,
        "restart" => RESTART,
        "reload" => RELOAD,
        "reinit" => REINIT,
        "pause" | "resume" => PAUSE,
        "demote-cluster" => DEMOTE_CLUSTER,
        "promote-cluster" => PROMOTE_CLUSTER,
        "show-config" | "why" | "help" | "version" => &[],
        "edit-config" => EDIT_CONFIG,
        "history" => HISTORY,
        "remove" => REMOVE,
        _ => return None,
    })
}

impl Matches {
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
    CtlError::usage(message)
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

fn parse_command(name: &str, rest: &[String]) -> Result<Invocation, CtlError> {
    let name = match name {
        "reinitialize" => "reinit",
        "ls" => "list",
        other => other,
    };
    let spec = spec(name)
        .ok_or_else(|| usage(format!("unknown command `{name}` (try `pg-ha-ctl --help`)")))?;
    let m = scan(name, rest, spec)?;
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
        "demote-cluster" | "promote-cluster" => {
            let args = ClusterRoleArgs {
                cluster: m.cluster(name)?,
                host: m.value("--host"),
                port: m.value("--port"),
                restore_command: m.value("--restore-command"),
                primary_slot_name: m.value("--primary-slot-name"),
                force: m.flag("--force"),
                timeout: m.timeout()?,
            };
            if name == "demote-cluster" {
                Command::DemoteCluster(args)
            } else {
                Command::PromoteCluster(args)
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
        assert!(matches!(
            command("demote-cluster --host 10.0.0.1 --port 5433 --primary-slot-name dr --force"),
            Command::DemoteCluster(a) if a.host.as_deref() == Some("10.0.0.1")
                && a.port.as_deref() == Some("5433")
                && a.primary_slot_name.as_deref() == Some("dr") && a.force
        ));
        assert!(matches!(command("promote-cluster c1"),
            Command::PromoteCluster(a) if a.cluster.as_deref() == Some("c1")));
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
}
