//! Simulated time: one global clock, and per-node views of it with drift and offset.
//!
//! Global time is what the event queue orders by and what the invariants compare. Each node
//! sees it through a [`NodeClock`]: `local = offset + global * (1 + drift)`, with a drift of at
//! most ±0.5%. Both are strictly increasing functions of global time, so a node's [`Mono`]
//! never goes backwards.

use crate::time::{Clock, Mono, Sleep, UnixMillis};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

thread_local! {
    /// The earliest global time a future polled on this thread waits for.
    static NEXT_WAKE: Cell<Option<Micros>> = const { Cell::new(None) };
}

/// The earliest global time that a future polled since the last call waits for (clearing
/// it): when the world must poll that future again.
pub fn take_next_wake() -> Option<Micros> {
    NEXT_WAKE.with(Cell::take)
}

/// A simulated wait: ready once the global clock reaches `until`. Until then each poll
/// records `until` (see [`take_next_wake`]) and returns `Pending`: the world runs other
/// nodes' events meanwhile and polls again then.
#[derive(Debug)]
pub struct SleepUntil {
    global: Arc<GlobalClock>,
    until: Micros,
}

impl SleepUntil {
    /// A wait until global time `until`.
    pub fn new(global: Arc<GlobalClock>, until: Micros) -> SleepUntil {
        SleepUntil { global, until }
    }
}

impl Future for SleepUntil {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.global.micros() >= self.until {
            return Poll::Ready(());
        }
        let until = self.until;
        NEXT_WAKE.with(|w| w.set(Some(w.get().map_or(until, |t| t.min(until)))));
        Poll::Pending
    }
}

/// The Unix time (ms) at global time zero: 2026-01-01T00:00:00Z.
pub const WALL_ORIGIN: UnixMillis = 1_767_225_600_000;

/// Global simulated time in microseconds since the start of the run.
pub type Micros = u64;

/// The global simulated clock. Only moves forward.
#[derive(Debug, Default)]
pub struct GlobalClock {
    micros: AtomicU64,
}

impl GlobalClock {
    /// A clock at time zero.
    pub fn new() -> GlobalClock {
        GlobalClock::default()
    }

    /// The current global time.
    pub fn micros(&self) -> Micros {
        self.micros.load(Ordering::SeqCst)
    }

    /// Moves the clock to `to` if that is later (never backwards).
    pub fn advance_to(&self, to: Micros) {
        self.micros.fetch_max(to, Ordering::SeqCst);
    }

    /// Moves the clock forward by `by`.
    pub fn advance_by(&self, by: Duration) {
        self.micros
            .fetch_add(by.as_micros() as u64, Ordering::SeqCst);
    }
}

impl Clock for GlobalClock {
    fn now(&self) -> Mono {
        Mono(Duration::from_micros(self.micros()))
    }
    fn wall(&self) -> UnixMillis {
        WALL_ORIGIN + (self.micros() / 1000) as i64
    }
}

/// One node's view of the global clock.
#[derive(Debug, Clone)]
pub struct NodeClock {
    global: Arc<GlobalClock>,
    /// The local monotonic reading at global time zero.
    offset: Micros,
    /// Parts per million faster (+) or slower (-) than global time; |drift| <= 5000.
    drift_ppm: i64,
    /// The wall clock's error against true time, in ms.
    wall_error_ms: i64,
}

impl NodeClock {
    /// The largest drift allowed: 0.5%.
    pub const MAX_DRIFT_PPM: i64 = 5_000;

    /// A view of `global` with the given offset, drift (clamped to ±0.5%) and wall-clock error.
    pub fn new(
        global: Arc<GlobalClock>,
        offset: Micros,
        drift_ppm: i64,
        wall_error_ms: i64,
    ) -> Self {
        NodeClock {
            global,
            offset,
            drift_ppm: drift_ppm.clamp(-Self::MAX_DRIFT_PPM, Self::MAX_DRIFT_PPM),
            wall_error_ms,
        }
    }

    /// The local reading (µs) at global time `global`.
    pub fn local_at(&self, global: Micros) -> Micros {
        let scaled = i128::from(global) * i128::from(1_000_000 + self.drift_ppm) / 1_000_000;
        self.offset + scaled as u64
    }

    /// The local monotonic time at global time `global`.
    pub fn mono_at(&self, global: Micros) -> Mono {
        Mono(Duration::from_micros(self.local_at(global)))
    }

    /// The earliest global time at which the local clock reads `local` or later.
    pub fn global_for(&self, local: Mono) -> Micros {
        let local = local.0.as_micros() as u64;
        let Some(since) = local.checked_sub(self.offset) else {
            return 0;
        };
        let rate = i128::from(1_000_000 + self.drift_ppm);
        let mut global = (i128::from(since) * 1_000_000 / rate) as u64;
        while self.local_at(global) < local {
            global += 1;
        }
        global
    }

    /// The global clock this view reads.
    pub fn global(&self) -> &Arc<GlobalClock> {
        &self.global
    }
}

impl Clock for NodeClock {
    fn now(&self) -> Mono {
        self.mono_at(self.global.micros())
    }
    fn wall(&self) -> UnixMillis {
        WALL_ORIGIN + (self.global.micros() / 1000) as i64 + self.wall_error_ms
    }
    fn sleep(&self, duration: Duration) -> Sleep {
        let until = self.global_for(self.now() + duration);
        Box::pin(SleepUntil::new(Arc::clone(&self.global), until))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_time_is_monotonic_and_drifts_within_bounds() {
        let global = Arc::new(GlobalClock::new());
        for drift in [-5_000, -1, 0, 1, 5_000] {
            let clock = NodeClock::new(Arc::clone(&global), 123_456, drift, 0);
            let mut last = 0;
            for g in (0..10_000_000).step_by(99_991) {
                let local = clock.local_at(g);
                assert!(local >= last);
                last = local;
                let elapsed = local - 123_456;
                assert!(elapsed.abs_diff(g) <= g / 200 + 1);
            }
        }
    }

    #[test]
    fn global_for_inverts_local_at() {
        let global = Arc::new(GlobalClock::new());
        for drift in [-5_000, -37, 0, 4_999] {
            let clock = NodeClock::new(Arc::clone(&global), 1_000, drift, 0);
            for g in [0u64, 1, 999, 1_000_000, 123_456_789] {
                let local = clock.mono_at(g);
                let back = clock.global_for(local);
                assert!(back <= g, "drift {drift}: {back} > {g}");
                assert!(clock.local_at(back) >= local.0.as_micros() as u64);
            }
        }
    }

    #[test]
    fn global_clock_never_goes_back() {
        let clock = GlobalClock::new();
        clock.advance_to(500);
        clock.advance_to(100);
        assert_eq!(clock.micros(), 500);
        clock.advance_by(Duration::from_micros(10));
        assert_eq!(clock.micros(), 510);
    }
}
