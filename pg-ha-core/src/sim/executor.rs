//! Driving simulated futures. A runner step waits only for simulated time
//! ([`super::clock::SleepUntil`]): [`poll_once`] polls it and tells the world when to poll
//! again, so that other nodes act meanwhile. [`block_on`] is for futures that never wait
//! (the world's own admin DCS client); [`run_to_end`] moves the clock for tests.

use super::clock::{take_next_wake, GlobalClock, Micros};
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

struct NoopWake;

impl Wake for NoopWake {
    fn wake(self: Arc<Self>) {}
}

/// Polls `future` once: its output, or the global time it waits for.
///
/// # Panics
/// When the future is pending without waiting for simulated time (it waits for real IO,
/// which the simulator must never do).
pub fn poll_once<F: Future + ?Sized>(future: std::pin::Pin<&mut F>) -> Result<F::Output, Micros> {
    let waker = Waker::from(Arc::new(NoopWake));
    let mut cx = Context::from_waker(&waker);
    let _ = take_next_wake();
    match future.poll(&mut cx) {
        Poll::Ready(output) => Ok(output),
        Poll::Pending => {
            Err(take_next_wake().expect("a simulated future is pending only on simulated time"))
        }
    }
}

/// Runs `future` to its end, moving `clock` to each time it waits for (tests).
pub fn run_to_end<F: Future>(future: F, clock: &GlobalClock) -> F::Output {
    let mut future = std::pin::pin!(future);
    loop {
        match poll_once(future.as_mut()) {
            Ok(output) => return output,
            Err(at) => clock.advance_to(at),
        }
    }
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
    use super::*;
    use crate::sim::clock::SleepUntil;

    /// A step that waits for simulated time tells the world when to come back (the earliest
    /// of its waits), and is ready once the clock got there.
    #[test]
    fn a_simulated_wait_reports_when_to_poll_again() {
        let clock = Arc::new(GlobalClock::new());
        let waits = async {
            let short = SleepUntil::new(Arc::clone(&clock), 300);
            let long = SleepUntil::new(Arc::clone(&clock), 900);
            futures_util::future::select(Box::pin(short), Box::pin(long)).await;
            7
        };
        let mut waits = std::pin::pin!(waits);
        assert_eq!(poll_once(waits.as_mut()), Err(300));
        clock.advance_to(300);
        assert_eq!(poll_once(waits.as_mut()), Ok(7));
        let later = SleepUntil::new(Arc::clone(&clock), 1_000);
        assert_eq!(run_to_end(later, &clock), ());
        assert_eq!(clock.micros(), 1_000);
    }

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
