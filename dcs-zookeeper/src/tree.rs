//! Directory znodes: creating the parents of a key, deleting the cluster's subtree.

use crate::backend::ZooKeeperDcs;
use crate::error::ZkResultExt;
use crate::paths::ScopeNode;
use pg_ha_core::DcsError;
use std::future::Future;
use std::pin::Pin;
use zookeeper_client::{Acls, Client, CreateMode, Error as ZkError};

/// How often a subtree delete retries when children keep appearing.
const DELETE_ATTEMPTS: usize = 10;

impl ZooKeeperDcs {
    /// Creates the persistent parents of `path` (like Kazoo's `makepath`).
    pub(crate) async fn make_parents(&self, client: &Client, path: &str) -> Result<(), DcsError> {
        let Some((parent, _)) = path.rsplit_once('/') else {
            return Ok(());
        };
        if parent.is_empty() {
            return Ok(());
        }
        let options = CreateMode::Persistent.with_acls(self.acls());
        match client.mkdir(parent, &options).await {
            Ok(()) | Err(ZkError::NodeExists) => Ok(()),
            Err(e) => Err(e).zk(),
        }
    }

    /// The ACLs of created znodes (open, as Patroni's default).
    pub(crate) fn acls(&self) -> Acls<'static> {
        Acls::anyone_all()
    }

    /// Deletes the scope znode and everything below it, ephemeral znodes of other sessions
    /// included.
    pub(crate) async fn delete_subtree(&self) -> Result<(), DcsError> {
        let session = self.sessions.get(None).await?;
        delete_tree(&session.client, self.paths.scope().to_string()).await
    }
}

/// Deletes `path` and its descendants; a missing znode is not an error.
fn delete_tree(
    client: &Client,
    path: String,
) -> Pin<Box<dyn Future<Output = Result<(), DcsError>> + Send + '_>> {
    Box::pin(async move {
        for _ in 0..DELETE_ATTEMPTS {
            let children = match client.list_children(&path).await {
                Ok(children) => children,
                Err(ZkError::NoNode) => return Ok(()),
                Err(e) => return Err(e).zk(),
            };
            for child in children {
                delete_tree(client, format!("{path}/{child}")).await?;
            }
            match client.delete(&path, None).await {
                Ok(()) | Err(ZkError::NoNode) => return Ok(()),
                Err(ZkError::NotEmpty) => continue,
                Err(e) => return Err(e).zk(),
            }
        }
        Err(DcsError::Rejected(format!(
            "zookeeper: `{path}` kept getting new children while it was deleted"
        )))
    })
}
