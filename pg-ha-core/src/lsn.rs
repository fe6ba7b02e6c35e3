//! WAL positions.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A WAL position (log sequence number) as a byte offset, the way Patroni writes it in the DCS.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Lsn(pub u64);

impl Lsn {
    /// Bytes from `other` up to `self`, zero if `other` is ahead.
    pub fn bytes_after(self, other: Lsn) -> u64 {
        self.0.saturating_sub(other.0)
    }

    /// Parses PostgreSQL's `X/X` text form.
    pub fn parse_pg(text: &str) -> Option<Lsn> {
        let (hi, lo) = text.trim().split_once('/')?;
        let hi = u64::from_str_radix(hi, 16).ok()?;
        let lo = u64::from_str_radix(lo, 16).ok()?;
        Some(Lsn((hi << 32) | lo))
    }
}

impl fmt::Display for Lsn {
    /// PostgreSQL's `X/X` form, as `/cluster` and `list` show it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xffff_ffff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pg_text_round_trips() {
        let lsn = Lsn::parse_pg("1/4000060").expect("valid lsn");
        assert_eq!(lsn, Lsn((1 << 32) | 0x400_0060));
        assert_eq!(lsn.to_string(), "1/4000060");
        assert_eq!(Lsn::parse_pg("zz"), None);
    }
}
