//! `DynamicConfig::validate`: relations between values that parsing alone cannot check.

use super::coerce::MAX_SECONDS;
use super::{ConfigError, DynamicConfig};
use std::time::Duration;

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// The shortest `ttl` accepted.
pub const MIN_TTL: Duration = Duration::from_secs(2);

/// The shortest `loop_wait` accepted: with ttl 2 and its 1 s safety margin, a loop_wait
/// below 1 s is needed, and one cycle every half second is the fastest the agent is built for.
pub const MIN_LOOP_WAIT: Duration = Duration::from_millis(500);

/// The shortest `retry_timeout` accepted (`loop_wait + 2 * retry_timeout <= ttl` leaves
/// 0.75 s at ttl 2 and loop_wait 0.5).
pub const MIN_RETRY_TIMEOUT: Duration = Duration::from_millis(500);

impl DynamicConfig {
    /// Checks the relations between values, naming the key that is wrong:
    ///
    /// - every duration is at most `u32::MAX` seconds;
    /// - `ttl` >= 2 s, `loop_wait` >= 0.5 s, `retry_timeout` >= 0.5 s;
    /// - `loop_wait + 2 * retry_timeout <= ttl` (Patroni's rule: a leader's renewal, retried
    ///   for up to `retry_timeout`, still lands inside the lease);
    /// - `loop_wait + safety_margin < ttl`, so that a healthy leader renews before it would
    ///   demote itself for not renewing;
    /// - `synchronous_node_count >= 1`, `maximum_lag_on_syncnode >= -1`.
    ///
    /// Unlike Patroni (ttl >= 20, retry_timeout >= 3), short timings such as ttl 5,
    /// loop_wait 1, retry_timeout 2 are accepted, down to ttl 2, loop_wait 0.5,
    /// retry_timeout 0.5 (fractions of a second are written as Patroni writes floats).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let durations = [
            ("ttl", self.ttl),
            ("loop_wait", self.loop_wait),
            ("retry_timeout", self.retry_timeout),
            ("primary_start_timeout", self.primary_start_timeout),
            ("primary_stop_timeout", self.primary_stop_timeout),
            ("primary_race_backoff", self.primary_race_backoff),
            ("member_slots_ttl", self.member_slots_ttl),
        ];
        for (key, d) in durations {
            if d > Duration::from_secs(MAX_SECONDS) {
                return Err(ConfigError::new(
                    key,
                    format!("must be at most {MAX_SECONDS} seconds, got {}s", secs(d)),
                ));
            }
        }
        let minimums = [
            ("ttl", self.ttl, MIN_TTL),
            ("loop_wait", self.loop_wait, MIN_LOOP_WAIT),
            ("retry_timeout", self.retry_timeout, MIN_RETRY_TIMEOUT),
        ];
        for (key, d, min) in minimums {
            if d < min {
                return Err(ConfigError::new(
                    key,
                    format!("must be at least {} s, got {}s", secs(min), secs(d)),
                ));
            }
        }
        // All durations are bounded above, so these sums cannot overflow.
        if self.loop_wait + 2 * self.retry_timeout > self.ttl {
            return Err(ConfigError::new(
                "ttl",
                format!(
                    "loop_wait ({}s) + 2 * retry_timeout ({}s) must not exceed ttl ({}s)",
                    secs(self.loop_wait),
                    secs(self.retry_timeout),
                    secs(self.ttl)
                ),
            ));
        }
        if self.loop_wait + self.safety_margin() >= self.ttl {
            return Err(ConfigError::new(
                "loop_wait",
                format!(
                    "loop_wait ({}s) must be shorter than ttl ({}s) minus the safety margin ({}s)",
                    secs(self.loop_wait),
                    secs(self.ttl),
                    secs(self.safety_margin())
                ),
            ));
        }
        if self.synchronous_node_count < 1 {
            return Err(ConfigError::new(
                "synchronous_node_count",
                "must be at least 1",
            ));
        }
        if self.maximum_lag_on_syncnode < -1 {
            return Err(ConfigError::new(
                "maximum_lag_on_syncnode",
                format!(
                    "must be -1 (off) or a number of bytes, got {}",
                    self.maximum_lag_on_syncnode
                ),
            ));
        }
        Ok(())
    }
}
