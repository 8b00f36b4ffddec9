//! [`VaultWriter`]: a document streamed into the store as it is encrypted, in multipart
//! uploads, so no more than a few parts of it are ever in memory.

use super::cipher::{CHUNK_LEN, Sealer};
use super::error::VaultError;
use super::object_key::ObjectKey;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use std::sync::Arc;

/// Bytes per uploaded part: S3's least size for every part but the last.
const PART_LEN: usize = 5 * 1024 * 1024;
/// Parts uploading at once. With the part being filled, a writer holds at most about
/// `(1 + PARTS_IN_FLIGHT) × PART_LEN` bytes of ciphertext, whatever the document's size.
const PARTS_IN_FLIGHT: usize = 2;

/// Writes one encrypted object. Nothing is visible under its key until [`finish`] succeeds;
/// [`abort`], a failed write, or dropping the writer removes what was uploaded so far.
///
/// [`finish`]: VaultWriter::finish
/// [`abort`]: VaultWriter::abort
pub struct VaultWriter {
    /// `None` once a write failed (the upload was aborted then).
    upload: Option<Upload>,
}

struct Upload {
    parts: WriteMultipart,
    sealer: Sealer,
    /// Ciphertext made by the last push, on its way to `parts`.
    sealed: Vec<u8>,
    /// Ciphertext bytes handed to `parts` so far.
    stored: u64,
}

impl VaultWriter {
    pub(super) async fn start(
        store: &Arc<dyn ObjectStore>,
        key: &ObjectKey,
        sealer: Sealer,
    ) -> Result<VaultWriter, VaultError> {
        let upload = store.put_multipart(&key.path()).await?;
        Ok(VaultWriter {
            upload: Some(Upload {
                parts: WriteMultipart::new_with_chunk_size(upload, PART_LEN),
                sealer,
                sealed: Vec::with_capacity(2 * CHUNK_LEN),
                stored: 0,
            }),
        })
    }

    /// Encrypts and uploads more of the document. Waits while too many parts are uploading.
    /// After an error the upload is gone and the writer refuses further writes.
    pub async fn write(&mut self, plaintext: &[u8]) -> Result<(), VaultError> {
        let upload = self.upload.as_mut().ok_or(VaultError::WriterFailed)?;
        if let Err(err) = upload.write(plaintext).await {
            if let Some(upload) = self.upload.take() {
                upload.abort().await;
            }
            return Err(err);
        }
        Ok(())
    }

    /// Seals the last chunk, completes the upload and makes the object visible; the stored
    /// (ciphertext) size.
    pub async fn finish(mut self) -> Result<u64, VaultError> {
        let Upload {
            mut parts,
            sealer,
            mut sealed,
            stored,
        } = self.upload.take().ok_or(VaultError::WriterFailed)?;
        if let Err(err) = sealer.finish(&mut sealed) {
            let _ = parts.abort().await;
            return Err(err.into());
        }
        parts.write(&sealed);
        // On failure `WriteMultipart::finish` aborts the upload itself.
        parts.finish().await?;
        Ok(stored + sealed.len() as u64)
    }

    /// Gives up: removes the parts uploaded so far; nothing is stored under the key.
    pub async fn abort(mut self) {
        if let Some(upload) = self.upload.take() {
            upload.abort().await;
        }
    }
}

impl Upload {
    async fn write(&mut self, plaintext: &[u8]) -> Result<(), VaultError> {
        // A chunk at a time, so a large slice never becomes a large ciphertext buffer.
        for piece in plaintext.chunks(CHUNK_LEN) {
            self.sealer.push(piece, &mut self.sealed)?;
            if !self.sealed.is_empty() {
                self.parts.wait_for_capacity(PARTS_IN_FLIGHT).await?;
                self.parts.write(&self.sealed);
                self.stored += self.sealed.len() as u64;
                self.sealed.clear();
            }
        }
        Ok(())
    }

    async fn abort(self) {
        if let Err(err) = self.parts.abort().await {
            tracing::warn!(error = %err, "an abandoned document upload could not be aborted");
        }
    }
}

impl Drop for VaultWriter {
    /// A writer dropped unfinished (a cancelled request, an error in the caller) aborts its
    /// upload in the background: S3 would otherwise keep the parts, invisible but billed.
    fn drop(&mut self) {
        let Some(upload) = self.upload.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(upload.abort());
            }
            // No runtime to abort on: the local store still removes its staging file when
            // the upload is dropped.
            Err(_) => drop(upload),
        }
    }
}
