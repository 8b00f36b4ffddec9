//! The vault: every document's bytes, encrypted at rest with its agency's key, in a directory
//! of this machine or an S3-compatible bucket.
//!
//! * [`keys`]: the master keys (current and previous) that wrap the agencies' data keys.
//! * [`data_keys`]: one random data key per agency, kept wrapped in `control.data_keys`,
//!   created on first use; [`rewrap_all`] moves them to a new master key.
//! * [`cipher`]: the object format, AES-256-GCM STREAM under a key derived per object, bound
//!   to the agency and the object key.
//! * [`object_key`], [`config`]: where objects go.
//! * [`writer`], [`reader`]: streaming in and out with bounded memory.
//!
//! Layers: a master key (from the environment) wraps data keys (database); a data key derives
//! object keys (one per object, from the salt in its header). Neither the database nor the
//! bucket alone reveals a document.

pub mod cipher;
mod config;
pub mod data_keys;
mod error;
pub mod keys;
mod object_key;
mod reader;
mod writer;

pub use config::StorageConfig;
pub use data_keys::{DataKey, DataKeyError, DataKeys, RewrapReport, rewrap_all};
pub use error::VaultError;
pub use keys::{KeyRing, master_kid};
pub use object_key::ObjectKey;
pub use writer::VaultWriter;

use bytes::Bytes;
use cipher::{Binding, Sealer};
use comply360_domain::TenantId;
use futures::stream::{Stream, StreamExt};
use object_store::{ObjectStore, ObjectStoreExt};
use std::sync::Arc;

/// The document store. Cheap to clone.
#[derive(Clone)]
pub struct Vault {
    store: Arc<dyn ObjectStore>,
    keys: DataKeys,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("store", &self.store.to_string())
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// The vault on the store `config` describes (a local root is created if missing).
    pub fn new(config: &StorageConfig, keys: DataKeys) -> Result<Vault, VaultError> {
        Ok(Vault {
            store: config.object_store()?,
            keys,
        })
    }

    /// Starts writing the object `key` of `tenant` under the agency's current data key
    /// (created on the agency's first document).
    pub async fn writer(
        &self,
        tenant: TenantId,
        key: &ObjectKey,
    ) -> Result<VaultWriter, VaultError> {
        if key.tenant() != tenant {
            return Err(VaultError::OtherAgency);
        }
        let (version, data_key) = self.keys.current(tenant).await?;
        let binding = Binding {
            tenant,
            object_key: key.as_str(),
        };
        let sealer = Sealer::new(&data_key, version, &binding);
        VaultWriter::start(&self.store, key, sealer).await
    }

    /// The plaintext of the object, decrypted as it streams in. An error at any point means
    /// the whole object is refused: discard whatever was already read.
    pub fn open(
        &self,
        tenant: TenantId,
        key: &ObjectKey,
    ) -> impl Stream<Item = Result<Bytes, VaultError>> + Send + 'static {
        reader::plaintext(reader::Request {
            store: self.store.clone(),
            keys: self.keys.clone(),
            tenant,
            key: key.clone(),
        })
    }

    /// The whole plaintext, refused with [`VaultError::TooLarge`] past `max_bytes`.
    pub async fn read_to_vec(
        &self,
        tenant: TenantId,
        key: &ObjectKey,
        max_bytes: u64,
    ) -> Result<Vec<u8>, VaultError> {
        let mut plaintext = std::pin::pin!(self.open(tenant, key));
        let mut out = Vec::new();
        while let Some(bytes) = plaintext.next().await {
            let bytes = bytes?;
            if (out.len() + bytes.len()) as u64 > max_bytes {
                return Err(VaultError::TooLarge { max_bytes });
            }
            out.extend_from_slice(&bytes);
        }
        Ok(out)
    }

    /// Removes the object; one that does not exist is already removed.
    pub async fn delete(&self, tenant: TenantId, key: &ObjectKey) -> Result<(), VaultError> {
        if key.tenant() != tenant {
            return Err(VaultError::OtherAgency);
        }
        match self.store.delete(&key.path()).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    /// The object as stored (ciphertext), for tests and forensics.
    pub async fn raw(&self, key: &ObjectKey) -> Result<Bytes, VaultError> {
        Ok(self.store.get(&key.path()).await?.bytes().await?)
    }

    pub fn data_keys(&self) -> &DataKeys {
        &self.keys
    }
}
