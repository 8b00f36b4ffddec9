//! Where documents are stored: a directory of this machine, or an S3-compatible bucket.

use super::error::VaultError;
use comply360_domain::Secret;
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The document store, read once at start-up.
#[derive(Clone, Debug)]
pub enum StorageConfig {
    /// A directory, created if missing (by default `<data dir>/documents`).
    Local { root: PathBuf },
    /// An S3-compatible bucket (AWS, MinIO, Ceph, …).
    S3 {
        bucket: String,
        /// For stores other than AWS itself, e.g. `http://127.0.0.1:9000`.
        endpoint: Option<String>,
        region: String,
        access_key_id: String,
        secret_access_key: Secret,
        /// `https://host/bucket/key` rather than `https://bucket.host/key` (most self-hosted
        /// stores need it).
        path_style: bool,
        /// Allow a plain-HTTP endpoint (a store on the same host or network).
        allow_http: bool,
    },
}

impl StorageConfig {
    /// The default: `documents` under the service's data directory.
    pub fn local_in(data_dir: &Path) -> StorageConfig {
        StorageConfig::Local {
            root: data_dir.join("documents"),
        }
    }

    /// The store these settings describe. A local root is created (owner-only) if missing;
    /// nothing is sent to a remote store yet.
    pub fn object_store(&self) -> Result<Arc<dyn ObjectStore>, VaultError> {
        match self {
            StorageConfig::Local { root } => {
                create_private_dir(root).map_err(|e| {
                    VaultError::Config(format!("cannot create {}: {e}", root.display()))
                })?;
                let store = LocalFileSystem::new_with_prefix(root)
                    .map_err(|e| VaultError::Config(e.to_string()))?
                    // A document acknowledged is a document on disk, as it is on S3.
                    .with_fsync(true)
                    // Deleting an agency's last document leaves no empty directories behind.
                    .with_automatic_cleanup(true);
                Ok(Arc::new(store))
            }
            StorageConfig::S3 {
                bucket,
                endpoint,
                region,
                access_key_id,
                secret_access_key,
                path_style,
                allow_http,
            } => {
                // object_store's client wants the process's rustls provider: ring, the one
                // every TLS client here uses (already installed is fine).
                let _ = rustls::crypto::ring::default_provider().install_default();
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_region(region)
                    .with_access_key_id(access_key_id)
                    .with_secret_access_key(secret_access_key.expose())
                    .with_virtual_hosted_style_request(!path_style)
                    .with_allow_http(*allow_http);
                if let Some(endpoint) = endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                let store = builder
                    .build()
                    .map_err(|e| VaultError::Config(e.to_string()))?;
                Ok(Arc::new(store))
            }
        }
    }
}

/// Creates `dir` and its parents; a new directory is readable by the owner only, since what
/// it holds is nobody else's business even encrypted.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
}
