//! Reinit: replace the data directory with a fresh clone. The clone is made next to the data
//! directory first; the old data is removed only once a complete copy is in place, so a
//! failed clone never wipes the last good copy.

use super::error::io_error;
use super::files::create_data_dir;
use super::lifecycle::Shutdown;
use super::local::LocalPostgres;
use pg_ha_core::postgres::Upstream;
use pg_ha_core::PgError;
use std::path::Path;

/// Suffix of the directory the new clone is made in.
const NEW_SUFFIX: &str = "pg-ha-new";
/// Suffix of the old data while the new one is moved in.
const OLD_SUFFIX: &str = "pg-ha-old";

impl LocalPostgres {
    /// Stops PostgreSQL (immediate), clones `source` beside the data directory, then swaps.
    pub(crate) async fn reinit_locked(&self, source: &Upstream) -> Result<(), PgError> {
        self.stop_locked(Shutdown::Immediate).await?;
        let side = self.paths.sibling(NEW_SUFFIX);
        remove_tree(&side)?;
        create_data_dir(&side, &self.run_as)?;
        if let Err(e) = self.clone_into(&side, source).await {
            let _ = remove_tree(&side);
            return Err(e);
        }
        self.swap_in(&side)?;
        self.after_clone(source)?;
        tracing::info!(source = %source.name, "reinitialized the data directory");
        Ok(())
    }

    fn swap_in(&self, side: &Path) -> Result<(), PgError> {
        let data = &self.paths.data_dir;
        let old = self.paths.sibling(OLD_SUFFIX);
        remove_tree(&old)?;
        if data.exists() {
            std::fs::rename(data, &old).map_err(|e| io_error("cannot move aside", data, e))?;
        }
        if let Err(e) = std::fs::rename(side, data) {
            let _ = std::fs::rename(&old, data);
            return Err(io_error("cannot move the new clone to", data, e));
        }
        remove_tree(&old)
    }
}

/// Removes a directory tree the agent created (a leftover clone or the replaced data).
fn remove_tree(path: &Path) -> Result<(), PgError> {
    match std::fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error("cannot remove", path, e)),
    }
}
