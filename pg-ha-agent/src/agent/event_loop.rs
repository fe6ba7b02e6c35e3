//! The loop itself.

use super::watch_dcs::relevant_change;
use super::{AgentState, Command};
use pg_ha_core::decide::{LocalRequest, Reason};
use pg_ha_core::dcs::Dcs;
use pg_ha_core::peers::Peers;
use pg_ha_core::postgres::Postgres;
use pg_ha_core::runner::StepReport;
use pg_ha_core::time::{Clock, Mono, SystemClock};
use pg_ha_core::Runner;
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

/// The runner type the agent drives: backends chosen at run time.
pub type AgentRunner = Runner<dyn Dcs, dyn Postgres, dyn Peers>;

/// Everything the loop needs.
pub struct AgentParts {
    /// The runner (owns the Dcs, Postgres and Peers handles).
    pub runner: AgentRunner,
    /// The same DCS the runner uses, for watches.
    pub dcs: Arc<dyn Dcs>,
    /// The clock the runner uses.
    pub clock: SystemClock,
    /// Changes whenever the postmaster exits (or any PostgreSQL event worth a cycle).
    pub pg_events: Option<watch::Receiver<u64>>,
}

/// Handles to a running agent loop.
#[derive(Clone)]
pub struct AgentHandle {
    /// Send commands to the loop.
    pub commands: mpsc::UnboundedSender<Command>,
    /// The state after each cycle.
    pub state: watch::Receiver<AgentState>,
}

/// Starts the loop on the current tokio runtime and returns its handles and task.
pub fn run(parts: AgentParts) -> (AgentHandle, tokio::task::JoinHandle<()>) {
    let (commands, inbox) = mpsc::unbounded_channel();
    let initial = AgentState { node: parts.runner.config().node, ..AgentState::default() };
    let (state_tx, state) = watch::channel(initial);
    let task = tokio::spawn(drive(parts, inbox, state_tx));
    (AgentHandle { commands, state }, task)
}

async fn drive(mut parts: AgentParts, mut inbox: mpsc::UnboundedReceiver<Command>, state: watch::Sender<AgentState>) {
    let mut shutting_down = false;
    let mut cycles = 0u64;
    loop {
        while let Ok(command) = inbox.try_recv() {
            shutting_down |= apply(&mut parts, command);
        }
        let report = parts.runner.step().await;
        cycles += 1;
        publish(&parts, &report, cycles, &state);
        if shutting_down && shutdown_complete(&report) {
            tracing::info!("shutdown complete");
            return;
        }
        let wait = wait_for_event(&mut parts, &mut inbox, report.next_wake);
        if let Some(command) = wait.await {
            shutting_down |= apply(&mut parts, command);
        }
    }
}

/// Applies a command; returns true when it asks the agent to shut down.
fn apply(parts: &mut AgentParts, command: Command) -> bool {
    let runner = &mut parts.runner;
    match command {
        Command::Restart => runner.request(LocalRequest::Restart),
        Command::Reinit { from_leader } => runner.request(LocalRequest::Reinit { from_leader }),
        Command::Shutdown => {
            runner.request(LocalRequest::Shutdown);
            return true;
        }
        Command::FailsafeNotice { leader } => runner.receive_failsafe(&leader, parts.clock.now()),
        Command::Reload | Command::Wake => {}
    }
    false
}

fn shutdown_complete(report: &StepReport) -> bool {
    report.decision.reason == Reason::ShuttingDown && report.executed.iter().all(|o| o.result.is_ok())
}

fn publish(parts: &AgentParts, report: &StepReport, cycles: u64, state: &watch::Sender<AgentState>) {
    let runner = &parts.runner;
    let cfg = runner.config();
    let now = parts.clock.now();
    let budget = cfg.dynamic.ttl.saturating_sub(cfg.dynamic.safety_margin());
    let lease_valid_until = runner.facts().lease_renewed_at.map(|t| t + budget);
    let cluster = runner.last_cluster().cloned().map(|c| (c, now));
    state.send_modify(|s| {
        s.node = cfg.node;
        s.dynamic = cfg.dynamic;
        if cluster.is_some() {
            s.cluster = cluster;
        }
        s.pg = runner.last_pg().cloned();
        s.decision = Some(report.decision.clone());
        s.lease_valid_until = lease_valid_until;
        s.at = now;
        s.cycles = cycles;
    });
}

/// Sleeps until `next_wake`, a relevant DCS change, a PostgreSQL event or a command.
async fn wait_for_event(
    parts: &mut AgentParts,
    inbox: &mut mpsc::UnboundedReceiver<Command>,
    next_wake: Mono,
) -> Option<Command> {
    let delay = next_wake.since(parts.clock.now());
    let sleep = tokio::time::sleep(delay);
    let baseline = parts.runner.last_cluster().cloned();
    let dcs = Arc::clone(&parts.dcs);
    let dcs_change = async {
        match &baseline {
            Some(cluster) => relevant_change(dcs.as_ref(), cluster).await,
            None => std::future::pending().await,
        }
    };
    let pg_event = async {
        match parts.pg_events.as_mut() {
            Some(rx) => {
                if rx.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = sleep => None,
        _ = dcs_change => None,
        _ = pg_event => None,
        command = inbox.recv() => command,
    }
}
