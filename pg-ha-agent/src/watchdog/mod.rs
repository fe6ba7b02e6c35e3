//! The watchdog (Patroni's `watchdog` section) behind core's [`Watchdog`] trait: the runner
//! keeps it alive after every lease renewal while this node runs the primary, and disarms
//! it otherwise. `required` refuses to lead without a working device; `automatic` uses it
//! when it works. The write fence stays: the watchdog covers a frozen machine, which the
//! fence's guard (frozen too) cannot.

mod device;

use crate::config::{WatchdogConfig, WatchdogMode};
use device::Device;
use pg_ha_core::Watchdog;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a required watchdog that failed counts as unusable (then it is tried again).
const RETRY_AFTER: Duration = Duration::from_secs(30);

/// The watchdog device of this node.
pub struct DeviceWatchdog {
    config: WatchdogConfig,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    device: Option<Device>,
    failed_at: Option<Instant>,
    warned: bool,
}

impl DeviceWatchdog {
    /// A watchdog with these settings (`None` when the mode is off).
    pub fn new(config: &WatchdogConfig) -> Option<DeviceWatchdog> {
        (config.mode != WatchdogMode::Off).then(|| DeviceWatchdog {
            config: config.clone(),
            state: Mutex::new(State::default()),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn required(&self) -> bool {
        self.config.mode == WatchdogMode::Required
    }

    /// Opens the device if needed, sets the timeout for `ttl`, and keeps it alive.
    fn arm(&self, state: &mut State, ttl: Duration, loop_wait: Duration) -> Result<(), String> {
        let wanted = self.config.timeout_for(ttl.as_secs());
        if (wanted as f64) < loop_wait.as_secs_f64() || wanted < 1 {
            return Err(format!(
                "a timeout of {wanted} s (ttl {} s less safety_margin {}) is shorter than \
                 loop_wait {} s",
                ttl.as_secs(),
                self.config.safety_margin,
                loop_wait.as_secs_f64()
            ));
        }
        if state.device.is_none() {
            let device = Device::open(&self.config.device, self.config.driver)
                .map_err(|e| format!("cannot open {}: {e}", self.config.device.display()))?;
            tracing::info!(device = %self.config.device.display(), "watchdog armed");
            state.device = Some(device);
        }
        let device = state.device.as_mut().expect("opened above");
        if device.timeout() != Some(wanted) {
            let actual = device
                .set_timeout(wanted)
                .map_err(|e| format!("cannot set the timeout to {wanted} s: {e}"))?;
            if actual > wanted {
                return Err(format!(
                    "the device took a timeout of {actual} s, above the {wanted} s needed: \
                     the machine could run on after its lease expired"
                ));
            }
        }
        device
            .keepalive()
            .map_err(|e| format!("keepalive failed: {e}"))
    }
}

impl Watchdog for DeviceWatchdog {
    fn usable(&self) -> bool {
        if !self.required() {
            return true;
        }
        let state = self.state();
        if state.device.is_some() {
            return true;
        }
        let recently_failed = state.failed_at.is_some_and(|t| t.elapsed() < RETRY_AFTER);
        let writable =
            nix::unistd::access(&self.config.device, nix::unistd::AccessFlags::W_OK).is_ok();
        writable && !recently_failed
    }

    fn keepalive(&self, ttl: Duration, loop_wait: Duration) -> Result<(), String> {
        let mut state = self.state();
        match self.arm(&mut state, ttl, loop_wait) {
            Ok(()) => {
                state.warned = false;
                Ok(())
            }
            Err(e) => {
                if let Some(device) = state.device.take() {
                    let _ = device.close();
                }
                state.failed_at = Some(Instant::now());
                if self.required() {
                    return Err(e);
                }
                if !state.warned {
                    tracing::warn!("watchdog not used: {e}");
                    state.warned = true;
                }
                Ok(())
            }
        }
    }

    fn disable(&self) {
        let Some(device) = self.state().device.take() else {
            return;
        };
        match device.close() {
            Ok(()) => tracing::info!("watchdog disarmed"),
            Err(e) => tracing::error!("watchdog: the magic close failed: {e}"),
        }
    }
}

impl Drop for DeviceWatchdog {
    /// A clean exit disarms the watchdog.
    fn drop(&mut self) {
        self.disable();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::WatchdogDriver;

    fn testing(dir: &std::path::Path, mode: WatchdogMode) -> (DeviceWatchdog, std::path::PathBuf) {
        let device = dir.join("watchdog");
        let config = WatchdogConfig {
            mode,
            device: device.clone(),
            safety_margin: 5,
            driver: WatchdogDriver::Testing,
        };
        (DeviceWatchdog::new(&config).expect("on"), device)
    }

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn armed_kept_alive_retimed_and_disarmed() {
        let dir = tempfile::tempdir().expect("ok");
        let (w, device) = testing(dir.path(), WatchdogMode::Required);
        std::fs::write(&device, "").expect("ok");
        assert!(w.usable());
        w.keepalive(Duration::from_secs(30), 10 * SECOND)
            .expect("ok");
        w.keepalive(Duration::from_secs(30), 10 * SECOND)
            .expect("ok");
        w.keepalive(Duration::from_secs(20), 10 * SECOND)
            .expect("ok");
        w.disable();
        w.disable();
        let written = std::fs::read_to_string(&device).expect("ok");
        assert_eq!(written, "Ctimeout=25\n11Ctimeout=15\n1V");
    }

    #[test]
    fn a_required_watchdog_without_a_device_refuses() {
        let dir = tempfile::tempdir().expect("ok");
        let (w, _) = testing(dir.path(), WatchdogMode::Required);
        assert!(!w.usable(), "no device file");
        let err = w
            .keepalive(Duration::from_secs(30), 10 * SECOND)
            .expect_err("an error");
        assert!(err.contains("cannot open"), "{err}");
    }

    #[test]
    fn an_automatic_watchdog_without_a_device_goes_on_without_it() {
        let dir = tempfile::tempdir().expect("ok");
        let (w, _) = testing(dir.path(), WatchdogMode::Automatic);
        assert!(w.usable());
        assert!(w.keepalive(Duration::from_secs(30), 10 * SECOND).is_ok());
    }

    #[test]
    fn a_timeout_below_loop_wait_is_refused() {
        let dir = tempfile::tempdir().expect("ok");
        let (w, device) = testing(dir.path(), WatchdogMode::Required);
        std::fs::write(&device, "").expect("ok");
        let err = w
            .keepalive(Duration::from_secs(12), 10 * SECOND)
            .expect_err("an error");
        assert!(err.contains("shorter than loop_wait"), "{err}");
        assert!(!w.usable(), "failed just now");
    }
}
