//! Parsing the command line into an [`Invocation`] with the clap definition in
//! [`super::cli`]. Usage errors keep the messages scripts may look for (`unknown command`,
//! `unknown option ... for ...`) and exit with 2; `--help` and `--version` print.

use super::cli::Cli;
use super::command::{Command, Invocation};
use super::CtlError;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::Parser;

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Invocation, CtlError> {
    let argv = std::iter::once("pg-ha-ctl".to_string()).chain(args.iter().cloned());
    match Cli::try_parse_from(argv) {
        Ok(cli) => Ok(Invocation {
            config_file: cli.config_file(),
            dcs_url: cli.dcs_url(),
            insecure: cli.insecure(),
            command: cli.into_command(),
        }),
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            Ok(Invocation {
                config_file: None,
                dcs_url: None,
                insecure: false,
                command: Command::Print(e.render().to_string().trim_end().to_string()),
            })
        }
        Err(e) => Err(CtlError::usage(usage_message(&e, args))),
    }
}

/// The message of a usage error: pg-ha-ctl's own for an unknown command or option, clap's
/// first line otherwise.
fn usage_message(e: &clap::Error, args: &[String]) -> String {
    let invalid = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    match e.kind() {
        ErrorKind::InvalidSubcommand => {
            let name = invalid(ContextKind::InvalidSubcommand).unwrap_or_default();
            format!("unknown command `{name}` (try `pg-ha-ctl --help`)")
        }
        ErrorKind::UnknownArgument => {
            let arg = invalid(ContextKind::InvalidArg).unwrap_or_default();
            let arg = arg.split('=').next().unwrap_or_default().to_string();
            let what = if arg.starts_with('-') {
                "unknown option"
            } else {
                "unexpected argument"
            };
            match command_name(args) {
                Some(command) => {
                    format!("{what} `{arg}` for `{command}` (see `pg-ha-ctl {command} --help`)")
                }
                None => format!("{what} `{arg}` before the command"),
            }
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "no command given (try `pg-ha-ctl --help`)".to_string()
        }
        _ => {
            // clap's message, up to its usage line.
            let text = e.render().to_string();
            let lines: Vec<&str> = text
                .lines()
                .take_while(|l| !l.is_empty())
                .map(str::trim)
                .collect();
            lines.join(" ").trim_start_matches("error: ").to_string()
        }
    }
}

/// The command named on the line: the first argument that is not an option or the value
/// of `-c` / `--config-file`.
fn command_name(args: &[String]) -> Option<&str> {
    let mut skip_value = false;
    for arg in args {
        if skip_value {
            skip_value = false;
            continue;
        }
        if arg == "-c" || arg == "--config-file" {
            skip_value = true;
            continue;
        }
        if !arg.starts_with('-') {
            return Some(arg);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctl::command::{ListArgs, OutputFormat, RemoveArgs, RoleFilter, DEFAULT_TIMEOUT};
    use std::path::PathBuf;
    use std::time::Duration;

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
    fn global_options_come_before_the_command() {
        for line in [
            "-c /etc/p.yml list",
            "--config-file /etc/p.yml list",
            "--config-file=/etc/p.yml list",
            "-c/etc/p.yml list",
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
        // As patronictl: after the command, -c and -d are that command's own options
        // (query -c SQL -d DBNAME), never the configuration file or the DCS.
        assert!(parse_str("list -c /etc/p.yml").is_err());
        let query =
            parse_str("-c /etc/p.yml -d etcd3://h:2379 -k query -c select -d app").expect("parses");
        assert_eq!(query.config_file, Some(PathBuf::from("/etc/p.yml")));
        assert_eq!(query.dcs_url.as_deref(), Some("etcd3://h:2379"));
        assert!(query.insecure);
        match query.command {
            Command::Query(q) => {
                assert_eq!(q.command.as_deref(), Some("select"));
                assert_eq!(q.dbname.as_deref(), Some("app"));
            }
            other => panic!("{other:?}"),
        }
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
        assert!(error("remove --force").contains("<CLUSTER>"));
        assert!(error("remove a b").contains("unexpected argument"));
    }

    #[test]
    fn help_version_and_formats() {
        let printed = |line: &str| match command(line) {
            Command::Print(text) => text,
            other => panic!("`{line}` should print, got {other:?}"),
        };
        assert!(printed("--help").starts_with("usage: pg-ha-ctl"));
        assert!(printed("switchover --help").starts_with("usage: pg-ha-ctl switchover"));
        assert!(printed("switchover --help").contains("--candidate"));
        assert!(printed("--version").starts_with("pg-ha-ctl "));
        assert_eq!(
            command("completion bash"),
            Command::Completion(clap_complete::Shell::Bash)
        );
        assert_eq!(command("man"), Command::Man);
        assert_eq!(command("version"), Command::Version(Vec::new()));
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
        assert!(matches!(command("ls"), Command::List(_)));
        assert!(matches!(
            command("switchover --master node1"),
            Command::Switchover(a) if a.leader.as_deref() == Some("node1")
        ));
    }

    #[test]
    fn bad_command_lines_are_usage_errors() {
        assert!(error("").contains("no command given"));
        assert!(error("frobnicate").contains("unknown command `frobnicate`"));
        assert!(error("list --force").contains("unknown option `--force` for `list`"));
        assert!(error("--bogus list").contains("unknown option `--bogus`"));
        assert!(error("switchover --candidate").contains("a value is required"));
        assert!(error("list a b").contains("unexpected argument"));
        assert!(error("-c").contains("a value is required"));
        assert!(error("pause --timeout soon").contains("invalid duration `soon`"));
        assert!(error("pause --timeout 0").contains("invalid duration"));
    }
}
