//! The data directory's lock files: `cluster.lock` (one process at a time starts or stops
//! the cluster) and `cluster.lease` (shared by every process using it).

use super::{EmbeddedError, io_err};
use nix::fcntl::{Flock, FlockArg};
use std::fs::{File, OpenOptions};
use std::path::Path;

pub(super) fn open_lock_file(path: &Path) -> Result<File, EmbeddedError> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(io_err(path))
}

pub(super) async fn lock_file(path: &Path, how: FlockArg) -> Result<Flock<File>, EmbeddedError> {
    let file = open_lock_file(path)?;
    let owned = path.to_owned();
    tokio::task::spawn_blocking(move || {
        Flock::lock(file, how).map_err(|(_, errno)| EmbeddedError::Io {
            path: owned.display().to_string(),
            source: std::io::Error::from(errno),
        })
    })
    .await
    .map_err(|e| EmbeddedError::Command {
        step: "locking the data directory".into(),
        detail: e.to_string(),
    })?
}
