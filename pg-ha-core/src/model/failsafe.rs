//! `failsafe`: the members allowed to vouch for a leader during a DCS outage.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The value of the `failsafe` key: member name -> api_url.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Failsafe(pub BTreeMap<String, String>);
