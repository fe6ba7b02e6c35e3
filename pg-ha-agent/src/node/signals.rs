//! Unix signals: SIGTERM / SIGINT shut the node down (stop PostgreSQL, release the leader key
//! so a replica takes over at once); SIGHUP reloads the configuration.

use crate::agent::Command;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

/// Spawns the signal handlers.
pub(super) fn install(commands: mpsc::UnboundedSender<Command>) {
    let shutdown = || Command::Shutdown;
    let reload = || Command::Reload;
    for (kind, command) in [
        (SignalKind::terminate(), shutdown as fn() -> Command),
        (SignalKind::interrupt(), shutdown),
        (SignalKind::hangup(), reload),
    ] {
        let Ok(mut stream) = signal(kind) else {
            tracing::warn!("cannot install a handler for {kind:?}");
            continue;
        };
        let commands = commands.clone();
        tokio::spawn(async move {
            while stream.recv().await.is_some() {
                tracing::info!("received {kind:?}");
                if kind != SignalKind::hangup() {
                    crate::sd_notify::notify("STOPPING=1");
                }
                if commands.send(command()).is_err() {
                    return;
                }
            }
        });
    }
}
