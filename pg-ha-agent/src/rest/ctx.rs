//! `Ctx`: what a handler works with for one request.

use super::auth::Access;
use super::{Control, NodeView, RestSettings};
use chrono::{DateTime, Utc};
use pg_ha_core::time::{Clock, Mono};
use std::sync::Arc;

/// The view at the time of the request, the control handle, the clock and the settings.
#[derive(Clone)]
pub(crate) struct Ctx {
    /// The node as the loop last published it.
    pub view: Arc<NodeView>,
    /// Mutations.
    pub control: Arc<dyn Control>,
    /// The node's clock (monotonic time of the view, wall time of schedules).
    pub clock: Arc<dyn Clock>,
    /// The server settings.
    pub settings: Arc<RestSettings>,
    /// The access checks.
    pub access: Arc<Access>,
}

impl Ctx {
    /// The monotonic time now.
    pub(crate) fn now(&self) -> Mono {
        self.clock.now()
    }

    /// The wall-clock time now.
    pub(crate) fn wall(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.clock.wall()).unwrap_or_default()
    }
}
