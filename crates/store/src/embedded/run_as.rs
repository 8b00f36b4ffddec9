//! Running the cluster as an unprivileged user when this process is root (`initdb` refuses
//! root): the `postgres` account, which must be able to reach the data directory.

use super::EmbeddedError;
use nix::unistd::{Gid, Uid, User};
use std::fs;
use std::path::Path;

/// The unprivileged account the cluster runs as when we are root.
#[derive(Clone, Copy, Debug)]
pub(super) struct RunAs {
    pub(super) uid: Uid,
    pub(super) gid: Gid,
}

pub(super) fn run_as() -> Result<Option<RunAs>, EmbeddedError> {
    if !Uid::effective().is_root() {
        return Ok(None);
    }
    match User::from_name("postgres") {
        Ok(Some(user)) => Ok(Some(RunAs {
            uid: user.uid,
            gid: user.gid,
        })),
        _ => Err(EmbeddedError::NoUnprivilegedUser),
    }
}

/// The unprivileged user needs execute permission on the data directory and its ancestors.
pub(super) fn check_traversable(dir: &Path, ra: RunAs) -> Result<(), EmbeddedError> {
    use std::os::unix::fs::MetadataExt;
    // The data directory itself and every directory above it.
    for ancestor in dir.ancestors() {
        let Ok(meta) = fs::metadata(ancestor) else {
            continue;
        };
        let mode = meta.mode();
        let ok = if meta.uid() == ra.uid.as_raw() {
            mode & 0o100 != 0
        } else if meta.gid() == ra.gid.as_raw() {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        };
        if !ok {
            return Err(EmbeddedError::NotTraversable {
                dir: ancestor.display().to_string(),
            });
        }
    }
    Ok(())
}
