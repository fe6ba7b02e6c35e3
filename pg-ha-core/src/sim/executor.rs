//! `block_on`: drives a future that never waits.
//!
//! Every future in the simulator (the runner's step over `FaultyDcs`, `SimPostgres` and
//! `SimPeers`) completes on its first poll: simulated time moves only between events. A future
//! that returns `Pending` would wait for real IO, which the simulator must never do.

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

struct NoopWake;

impl Wake for NoopWake {
    fn wake(self: Arc<Self>) {}
}

/// Polls `future` once and returns its output.
///
/// # Panics
/// When the future is not ready on the first poll: a simulated component tried to wait.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(NoopWake));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a simulated future returned Pending: the simulator never waits"),
    }
}

#[cfg(test)]
mod tests {
    use super::block_on;

    #[test]
    fn ready_future_returns_its_value() {
        assert_eq!(block_on(async { 40 + 2 }), 42);
    }

    #[test]
    #[should_panic(expected = "returned Pending")]
    fn pending_future_panics() {
        block_on(std::future::pending::<()>());
    }
}
