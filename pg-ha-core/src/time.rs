//! Time as `decide` sees it: a monotonic instant and a wall-clock instant, both plain data.

use std::ops::{Add, Sub};
use std::time::Duration;

/// A point on a node's local monotonic clock, as the time since an arbitrary origin.
///
/// `decide` never reads a clock: the runner passes `Mono` values in. Arithmetic saturates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Mono(pub Duration);

impl Mono {
    /// The origin of the clock.
    pub const ZERO: Mono = Mono(Duration::ZERO);

    /// An instant `ms` milliseconds after the origin.
    pub const fn from_millis(ms: u64) -> Mono {
        Mono(Duration::from_millis(ms))
    }

    /// Milliseconds since the origin.
    pub fn as_millis(self) -> u64 {
        self.0.as_millis() as u64
    }

    /// Time elapsed from `earlier` to `self`, zero if `earlier` is later.
    pub fn since(self, earlier: Mono) -> Duration {
        self.0.saturating_sub(earlier.0)
    }
}

impl Add<Duration> for Mono {
    type Output = Mono;
    fn add(self, rhs: Duration) -> Mono {
        Mono(self.0.saturating_add(rhs))
    }
}

impl Sub<Duration> for Mono {
    type Output = Mono;
    fn sub(self, rhs: Duration) -> Mono {
        Mono(self.0.saturating_sub(rhs))
    }
}

/// Wall-clock time as milliseconds since the Unix epoch (UTC). Used only for
/// `scheduled_at` of switchovers and for timestamps written to the DCS.
pub type UnixMillis = i64;

/// A source of time for the runner and for `MemoryDcs` leases.
///
/// The agent uses the OS clocks; the simulator and tests inject a manual clock.
pub trait Clock: Send + Sync {
    /// The local monotonic time.
    fn now(&self) -> Mono;
    /// The wall-clock time.
    fn wall(&self) -> UnixMillis;
    /// A future that completes once `duration` has passed on this clock; by default never
    /// (a clock that only moves when told to cannot wake anyone up).
    fn sleep(&self, duration: Duration) -> Sleep {
        let _ = duration;
        Box::pin(std::future::pending())
    }
}

/// The future [`Clock::sleep`] returns.
pub type Sleep = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// A clock that only moves when told to: for tests and the simulator.
#[derive(Debug, Default)]
pub struct ManualClock {
    millis: std::sync::atomic::AtomicU64,
    wall_origin: UnixMillis,
}

impl ManualClock {
    /// A clock at the origin whose wall clock reads `wall_origin` there.
    pub fn new(wall_origin: UnixMillis) -> ManualClock {
        ManualClock {
            millis: Default::default(),
            wall_origin,
        }
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.millis
            .fetch_add(by.as_millis() as u64, std::sync::atomic::Ordering::SeqCst);
    }

    /// Sets the clock to `to` (never backwards).
    pub fn set(&self, to: Mono) {
        self.millis
            .fetch_max(to.as_millis(), std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Mono {
        Mono::from_millis(self.millis.load(std::sync::atomic::Ordering::SeqCst))
    }
    fn wall(&self) -> UnixMillis {
        self.wall_origin + self.now().as_millis() as i64
    }
}

/// The operating system's clocks: `Instant` for monotonic time, `SystemTime` for wall time.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    origin: std::time::Instant,
}

impl SystemClock {
    /// A clock whose monotonic origin is the moment of this call.
    pub fn new() -> SystemClock {
        SystemClock {
            origin: std::time::Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Mono {
        Mono(self.origin.elapsed())
    }
    fn wall(&self) -> UnixMillis {
        chrono::Utc::now().timestamp_millis()
    }
    /// A tokio timer: call it inside a tokio runtime with time enabled.
    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}
