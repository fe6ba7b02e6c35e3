//! What the status queries keep about the running server between calls: the open status
//! connection and the facts read once per postmaster start.

use tokio_postgres::{Client, Statement};

/// The cached status connection and its prepared status query.
pub(crate) struct StatusConn {
    pub(crate) client: Client,
    pub(crate) statement: Statement,
}

/// What does not change while a postmaster runs.
#[derive(Debug, Clone)]
pub(crate) struct StartFacts {
    pub(crate) pid: u32,
    pub(crate) server_version: u32,
    pub(crate) start_time: String,
}
