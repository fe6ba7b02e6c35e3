//! `pg-ha-ctl`: the command-line client, patronictl's counterpart.
//!
//! It reads the agent's YAML configuration, reads the cluster straight from the DCS
//! (consistent reads, no lease) and sends requests to the members' REST APIs, the way
//! patronictl does (spec section 4):
//!
//! ```text
//!  pg-ha-ctl -c node1.yml switchover --candidate node2 --force
//!     |  read the cluster (DCS)  -> check leader / candidate, print the topology
//!     |  POST /switchover        -> the leader's REST API
//!     |  poll the DCS every 0.5 s, print each leader change
//!     v  exit 0 once a new leader holds the key, 1 on a refusal or a timeout
//! ```
//!
//! Commands that would ask a question take `--force`; without it they refuse to run when no
//! terminal is attached. The binary (`src/bin/pg-ha-ctl.rs`) only parses the arguments with
//! [`args::parse`] (the clap definition in [`cli`]) and calls [`run`].

pub mod args;
pub mod cli;
pub mod cluster_role;
pub mod command;
pub mod config_file;
pub mod config_patch;
pub mod dcs_url;
pub mod diff;
pub mod dsn;
mod duration;
pub mod edit_config;
mod error;
pub mod flush;
pub mod history;
pub mod list;
pub mod manual;
pub mod members;
pub mod pause;
pub mod progress;
pub mod prompt;
pub mod query;
pub mod reinit;
pub mod reload;
pub mod remove;
pub mod restart;
pub mod schedule;
pub mod session;
pub mod switch_plan;
pub mod switchover;
pub mod table;
pub mod topology;
pub mod version;
pub mod why;

pub use args::parse;
pub use command::{Command, Invocation};
pub use error::CtlError;
pub use session::Session;

use switch_plan::SwitchKind;

/// Runs one parsed command line: loads the configuration, connects to the DCS and runs the
/// command. `help` and `version` need no configuration.
pub async fn run(invocation: Invocation) -> Result<(), CtlError> {
    let command = invocation.command;
    match &command {
        Command::Print(text) => {
            println!("{text}");
            return Ok(());
        }
        Command::Completion(shell) => {
            print!("{}", manual::completion(*shell));
            return Ok(());
        }
        Command::Man => {
            print!("{}", manual::man_page());
            return Ok(());
        }
        Command::Version(names) if names.is_empty() => {
            println!("{}", version::local());
            return Ok(());
        }
        _ => {}
    }
    let path = config_file::resolve(invocation.config_file.as_deref())?;
    let dcs = invocation
        .dcs_url
        .as_deref()
        .map(dcs_url::section)
        .transpose()?;
    let cluster = cluster_of(&command);
    let mut config = match (&dcs, path.exists()) {
        (Some(_), false) => config_file::without_file(cluster)?,
        _ => config_file::load(&path)?,
    };
    if dcs.is_some() {
        config.dcs = dcs;
    }
    config.ctl.insecure |= invocation.insecure;
    let session = Session::open(config, cluster)?;
    run_command(&session, &command).await
}

/// The cluster a command names instead of the configured scope, if any.
fn cluster_of(command: &Command) -> Option<&str> {
    match command {
        Command::List(a) | Command::Topology(a) => a.cluster.as_deref(),
        Command::Dsn(a) => a.cluster.as_deref(),
        Command::Query(a) => a.cluster.as_deref(),
        Command::Version(names) => names.first().map(String::as_str),
        Command::Switchover(a) | Command::Failover(a) => a.cluster.as_deref(),
        Command::Pause(a) | Command::Resume(a) => a.cluster.as_deref(),
        Command::DemoteCluster(a) | Command::PromoteCluster(a) => a.cluster.as_deref(),
        Command::ShowConfig(a) => a.cluster.as_deref(),
        Command::EditConfig(a) => a.cluster.as_deref(),
        Command::History(a) => a.cluster.as_deref(),
        Command::Remove(a) => Some(a.cluster.as_str()),
        _ => None,
    }
}

/// Runs `command` in `session`.
pub async fn run_command(session: &Session, command: &Command) -> Result<(), CtlError> {
    match command {
        Command::List(a) => list::run(session, a, false).await,
        Command::Topology(a) => list::run(session, a, true).await,
        Command::Dsn(a) => dsn::run(session, a).await,
        Command::Query(a) => query::run(session, a).await,
        Command::Flush(a) => flush::run(session, a).await,
        Command::Switchover(a) => switchover::run(session, SwitchKind::Switchover, a).await,
        Command::Failover(a) => switchover::run(session, SwitchKind::Failover, a).await,
        Command::Restart(a) => restart::run(session, a).await,
        Command::Reload(a) => reload::run(session, a).await,
        Command::Reinit(a) => reinit::run(session, a).await,
        Command::Pause(a) => pause::run(session, true, a).await,
        Command::Resume(a) => pause::run(session, false, a).await,
        Command::DemoteCluster(a) => cluster_role::demote(session, a).await,
        Command::PromoteCluster(a) => cluster_role::promote(session, a).await,
        Command::ShowConfig(_) => edit_config::show(session).await,
        Command::EditConfig(a) => edit_config::edit(session, a).await,
        Command::History(a) => {
            let cluster = session.cluster().await?;
            println!("{}", history::render(&cluster.history, a.format));
            Ok(())
        }
        Command::Remove(a) => remove::run(session, a).await,
        Command::Why(a) => why::run(session, a.member.as_deref()).await,
        Command::Version(names) => version::run(session, &names[1.min(names.len())..]).await,
        Command::Print(_) | Command::Completion(_) | Command::Man => Ok(()),
    }
}
