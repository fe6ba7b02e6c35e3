//! The loop itself.

use super::pg_details::add_pg_details;
use super::phase_shift::PhaseShift;
use super::restart_waiters::RestartWaiters;
use super::watch_dcs::relevant_change;
use super::Command;
use crate::postgres::PgDetails;
use crate::rest::NodeView;
use pg_ha_core::config::NodeConfig;
use pg_ha_core::dcs::Dcs;
use pg_ha_core::decide::{LocalRequest, Reason};
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
    /// Re-reads the node's configuration on `Command::Reload` (SIGHUP, `POST /reload`).
    pub reload: Option<Reloader>,
    /// What the local PostgreSQL's status query read beyond `PgStatus` (server version,
    /// start time, WAL senders, ...; [`crate::postgres::LocalPostgres::subscribe_details`]),
    /// for the REST view.
    pub pg_details: Option<watch::Receiver<Option<Arc<PgDetails>>>>,
}

/// Re-reads the node's local configuration; `None` when the file is broken (logged).
pub type Reloader = Box<dyn Fn() -> Option<NodeConfig> + Send>;

/// Handles to a running agent loop.
#[derive(Clone)]
pub struct AgentHandle {
    /// Send commands to the loop.
    pub commands: mpsc::UnboundedSender<Command>,
    /// What the node saw and decided, after each cycle.
    pub state: watch::Receiver<Arc<NodeView>>,
}

/// Starts the loop on the current tokio runtime and returns its handles and task.
pub fn run(parts: AgentParts) -> (AgentHandle, tokio::task::JoinHandle<()>) {
    let (commands, inbox) = mpsc::unbounded_channel();
    let initial = NodeView::from_runner(&parts.runner);
    let (state_tx, state) = watch::channel(Arc::new(initial));
    let task = tokio::spawn(drive(parts, inbox, state_tx));
    (AgentHandle { commands, state }, task)
}

async fn drive(
    mut parts: AgentParts,
    mut inbox: mpsc::UnboundedReceiver<Command>,
    state: watch::Sender<Arc<NodeView>>,
) {
    let mut shutting_down = false;
    let mut restarts = RestartWaiters::default();
    let mut phase = PhaseShift::default();
    loop {
        while let Ok(command) = inbox.try_recv() {
            shutting_down |= apply(&mut parts, command, &mut restarts);
        }
        let report = parts.runner.step().await;
        restarts.settle(&report);
        publish(&parts, &report, &state);
        if shutting_down && shutdown_complete(&report) {
            restarts.fail_all("the agent is shutting down");
            tracing::info!("shutdown complete");
            return;
        }
        let loop_wait = parts.runner.config().dynamic.loop_wait;
        let next_wake = phase.next_wake(&report, parts.clock.now(), loop_wait);
        let wait = wait_for_event(&mut parts, &mut inbox, next_wake);
        if let Some(command) = wait.await {
            shutting_down |= apply(&mut parts, command, &mut restarts);
        }
    }
}

/// Applies a command; returns true when it asks the agent to shut down.
fn apply(parts: &mut AgentParts, command: Command, restarts: &mut RestartWaiters) -> bool {
    let runner = &mut parts.runner;
    match command {
        Command::Restart { done } => {
            runner.request(LocalRequest::Restart);
            restarts.add(done);
        }
        Command::ScheduleRestart { restart, reply } => {
            let _ = reply.send(runner.schedule_restart(restart));
        }
        Command::CancelScheduledRestart { reply } => {
            let _ = reply.send(runner.cancel_scheduled_restart());
        }
        Command::Reinit { from_leader } => runner.request(LocalRequest::Reinit { from_leader }),
        Command::Shutdown => {
            runner.request(LocalRequest::Shutdown);
            return true;
        }
        Command::FailsafeNotice { leader } => runner.receive_failsafe(&leader, parts.clock.now()),
        Command::Reload => {
            if let Some(node) = parts.reload.as_ref().and_then(|reload| reload()) {
                runner.set_node(node);
                tracing::info!("configuration reloaded");
            }
        }
        Command::Wake => {}
    }
    false
}

fn shutdown_complete(report: &StepReport) -> bool {
    report.decision.reason == Reason::ShuttingDown
        && report.executed.iter().all(|o| o.result.is_ok())
}

fn publish(parts: &AgentParts, report: &StepReport, state: &watch::Sender<Arc<NodeView>>) {
    let mut view = NodeView::from_runner(&parts.runner);
    let now = parts.clock.now();
    let previous = Arc::clone(&state.borrow());
    if view.cluster.is_some() && !report_dcs_failed(report) {
        view.cluster_read_at = Some(now);
        view.dcs_last_seen = Some(parts.clock.wall() / 1000);
    } else {
        view.cluster_read_at = previous.cluster_read_at;
        view.dcs_last_seen = previous.dcs_last_seen;
    }
    view.state = view.pg.as_ref().map(member_state);
    view.scheduled_restart = parts.runner.scheduled_restart().cloned();
    view.next_run = Some(report.next_wake);
    let details = parts.pg_details.as_ref().and_then(|rx| rx.borrow().clone());
    add_pg_details(&mut view, details.as_deref(), previous.server_version);
    state.send_replace(Arc::new(view));
}

fn report_dcs_failed(report: &StepReport) -> bool {
    matches!(
        report.decision.reason,
        Reason::DcsUnreachableWaiting
            | Reason::DcsUnreachableDemoting
            | Reason::DcsUnreachableDemotingCleanly { .. }
            | Reason::DcsUnreachableHoldingLease { .. }
            | Reason::FailsafeHolding
    )
}

fn member_state(pg: &pg_ha_core::PgStatus) -> pg_ha_core::model::MemberState {
    use pg_ha_core::model::MemberState;
    use pg_ha_core::postgres::ProcessState;
    match pg.process {
        ProcessState::Running => MemberState::Running,
        ProcessState::Starting => MemberState::Starting,
        ProcessState::Crashed => MemberState::Crashed,
        ProcessState::Stopped => MemberState::Stopped,
    }
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
