//! A watchdog device file: opened read-write, kept alive by writing `1`, disarmed by the
//! magic close (`V`, then close). The Linux driver sets the timeout with
//! `WDIOC_SETTIMEOUT`; the testing driver writes `Ctimeout=N\n` instead, so that a plain
//! file or a named pipe can stand in for the device.

use crate::config::WatchdogDriver;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::raw::c_int;
use std::path::Path;

nix::ioctl_readwrite!(wdioc_settimeout, b'W', 6, c_int);
nix::ioctl_read!(wdioc_gettimeout, b'W', 7, c_int);

/// An open (armed) watchdog device.
pub(crate) struct Device {
    file: File,
    driver: WatchdogDriver,
    timeout: Option<i64>,
}

impl Device {
    /// Opens `path`: from now on the device resets the machine unless kept alive.
    pub(crate) fn open(path: &Path, driver: WatchdogDriver) -> std::io::Result<Device> {
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        Ok(Device {
            file,
            driver,
            timeout: None,
        })
    }

    /// The timeout in force, as last set (the testing driver) or read from the device.
    pub(crate) fn timeout(&self) -> Option<i64> {
        self.timeout
    }

    /// Sets the timeout to `seconds` and returns the one the device took (a device may
    /// round it).
    pub(crate) fn set_timeout(&mut self, seconds: i64) -> std::io::Result<i64> {
        let wanted = c_int::try_from(seconds)
            .ok()
            .filter(|s| (1..0xFFFF).contains(s))
            .ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("invalid timeout {seconds}: it must be 1 to 65534 seconds"),
                )
            })?;
        let actual = match self.driver {
            WatchdogDriver::Testing => {
                self.file
                    .write_all(format!("Ctimeout={wanted}\n").as_bytes())?;
                i64::from(wanted)
            }
            WatchdogDriver::Linux => {
                let mut value = wanted;
                let fd = self.file.as_raw_fd();
                // SAFETY: `fd` is an open file and `value` a valid c_int for the call.
                unsafe { wdioc_settimeout(fd, &mut value) }.map_err(std::io::Error::from)?;
                let mut read = 0;
                // SAFETY: as above.
                unsafe { wdioc_gettimeout(fd, &mut read) }.map_err(std::io::Error::from)?;
                i64::from(read)
            }
        };
        self.timeout = Some(actual);
        Ok(actual)
    }

    /// Keeps the watchdog from firing for another timeout.
    pub(crate) fn keepalive(&mut self) -> std::io::Result<()> {
        self.file.write_all(b"1")
    }

    /// Disarms the watchdog: the magic close.
    pub(crate) fn close(mut self) -> std::io::Result<()> {
        self.file.write_all(b"V")
    }
}
