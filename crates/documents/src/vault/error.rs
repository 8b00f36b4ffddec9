//! [`VaultError`]: what went wrong with a stored document, in the terms a caller acts on (404,
//! 422, 503, 507, 500), and the one place storage errors are sorted into those terms.

use super::cipher::CipherError;
use super::data_keys::DataKeyError;
use std::error::Error as _;
use std::io;

/// Why a vault operation failed. No variant carries key material or plaintext.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// No object under that key.
    #[error("the document's stored object does not exist")]
    NotFound,
    /// Wrong key, or the object was altered, truncated, extended or moved from another
    /// agency or document: one answer for all, since telling them apart helps an attacker.
    #[error("the document's stored object could not be opened")]
    CannotOpen,
    /// The caller asked for an object of another agency (a bug in the caller).
    #[error("the object key belongs to another agency")]
    OtherAgency,
    /// Larger than the caller accepts (or than the format allows).
    #[error("the document is larger than {max_bytes} bytes")]
    TooLarge { max_bytes: u64 },
    /// The store did not answer (connection refused, timeout): worth retrying later.
    #[error("document storage is unavailable: {0}")]
    Unavailable(#[source] object_store::Error),
    /// No space left on the device or over quota.
    #[error("document storage is full")]
    StorageFull(#[source] object_store::Error),
    /// The agency's data key could not be had (database, or a master key missing).
    #[error(transparent)]
    Keys(DataKeyError),
    /// A write failed earlier; the upload was abandoned and nothing was stored.
    #[error("an earlier write failed; the document was not stored")]
    WriterFailed,
    /// The storage settings cannot work (a root that cannot be created, a bad endpoint).
    #[error("document storage settings: {0}")]
    Config(String),
    #[error("document storage: {0}")]
    Other(#[source] object_store::Error),
}

impl From<object_store::Error> for VaultError {
    fn from(err: object_store::Error) -> VaultError {
        if matches!(err, object_store::Error::NotFound { .. }) {
            VaultError::NotFound
        } else if is_out_of_space(&err) {
            VaultError::StorageFull(err)
        } else if is_unreachable(&err) {
            VaultError::Unavailable(err)
        } else {
            VaultError::Other(err)
        }
    }
}

impl From<DataKeyError> for VaultError {
    fn from(err: DataKeyError) -> VaultError {
        match err {
            // An object naming a key version its agency never had was not written by it.
            DataKeyError::Missing { .. } => VaultError::CannotOpen,
            other => VaultError::Keys(other),
        }
    }
}

impl From<CipherError> for VaultError {
    fn from(err: CipherError) -> VaultError {
        match err {
            CipherError::CannotOpen => VaultError::CannotOpen,
            CipherError::TooLarge => VaultError::TooLarge {
                max_bytes: u64::from(u32::MAX) * super::cipher::CHUNK_LEN as u64,
            },
        }
    }
}

/// The causes under `err`, outermost first.
fn causes(err: &object_store::Error) -> impl Iterator<Item = &(dyn std::error::Error + 'static)> {
    std::iter::successors(err.source(), |e: &&(dyn std::error::Error + 'static)| {
        (*e).source()
    })
}

/// ENOSPC or EDQUOT anywhere in the chain (the local store wraps the `io::Error`).
fn is_out_of_space(err: &object_store::Error) -> bool {
    causes(err)
        .filter_map(|e| e.downcast_ref::<io::Error>())
        .any(|e| {
            matches!(
                e.kind(),
                io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
            )
        })
}

/// A request to a remote store that never got an answer.
fn is_unreachable(err: &object_store::Error) -> bool {
    use object_store::client::{HttpError, HttpErrorKind};
    causes(err)
        .filter_map(|e| e.downcast_ref::<HttpError>())
        .any(|e| {
            matches!(
                e.kind(),
                HttpErrorKind::Connect
                    | HttpErrorKind::Request
                    | HttpErrorKind::Timeout
                    | HttpErrorKind::Interrupted
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enospc_from_the_local_store_is_storage_full() {
        let io = io::Error::from_raw_os_error(28); // ENOSPC
        let err = object_store::Error::Generic {
            store: "LocalFileSystem",
            source: Box::new(io),
        };
        assert!(matches!(VaultError::from(err), VaultError::StorageFull(_)));
    }

    #[test]
    fn not_found_and_other_errors_keep_their_meaning() {
        let err = object_store::Error::NotFound {
            path: "tenants/x".into(),
            source: "gone".into(),
        };
        assert!(matches!(VaultError::from(err), VaultError::NotFound));
        let err = object_store::Error::Generic {
            store: "LocalFileSystem",
            source: Box::new(io::Error::from(io::ErrorKind::PermissionDenied)),
        };
        assert!(matches!(VaultError::from(err), VaultError::Other(_)));
    }

    #[test]
    fn a_store_that_does_not_answer_is_unavailable() {
        use object_store::client::{HttpError, HttpErrorKind};
        let refused = HttpError::new(
            HttpErrorKind::Connect,
            io::Error::from(io::ErrorKind::ConnectionRefused),
        );
        let err = object_store::Error::Generic {
            store: "S3",
            source: Box::new(refused),
        };
        assert!(matches!(VaultError::from(err), VaultError::Unavailable(_)));
        let undecodable = HttpError::new(
            HttpErrorKind::Decode,
            io::Error::from(io::ErrorKind::InvalidData),
        );
        let err = object_store::Error::Generic {
            store: "S3",
            source: Box::new(undecodable),
        };
        assert!(matches!(VaultError::from(err), VaultError::Other(_)));
    }

    #[test]
    fn a_missing_key_version_is_cannot_open() {
        let err = DataKeyError::Missing {
            tenant: comply360_domain::TenantId::new(),
            version: 9,
        };
        assert!(matches!(VaultError::from(err), VaultError::CannotOpen));
    }
}
