//! Finding PostgreSQL's server programs: a given directory, `PATH`, or the newest
//! `/usr/lib/postgresql/*/bin`.

use super::EmbeddedError;
use std::fs;
use std::path::{Path, PathBuf};

const BIN_SEARCH_ROOT: &str = "/usr/lib/postgresql";

/// Where the server programs are.
#[derive(Clone, Debug)]
pub struct PgBinaries {
    pub initdb: PathBuf,
    pub pg_ctl: PathBuf,
    pub postgres: PathBuf,
}

impl PgBinaries {
    /// Finds the programs: in `explicit` if given (and only there), else on `PATH`, else in
    /// the newest `/usr/lib/postgresql/*/bin`.
    pub fn locate(explicit: Option<&Path>) -> Result<PgBinaries, EmbeddedError> {
        if let Some(dir) = explicit {
            return Self::in_dir(dir).ok_or_else(|| EmbeddedError::BinariesMissing {
                where_: format!("in {}", dir.display()),
            });
        }
        if let Some(found) = std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .find_map(|dir| Self::in_dir(&dir))
        {
            return Ok(found);
        }
        let mut versions: Vec<(u32, PathBuf)> = fs::read_dir(BIN_SEARCH_ROOT)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let v = e.file_name().to_str()?.parse::<u32>().ok()?;
                Some((v, e.path().join("bin")))
            })
            .collect();
        versions.sort();
        versions
            .into_iter()
            .rev()
            .find_map(|(_, dir)| Self::in_dir(&dir))
            .ok_or_else(|| EmbeddedError::BinariesMissing {
                where_: format!("on PATH or in {BIN_SEARCH_ROOT}/*/bin"),
            })
    }

    fn in_dir(dir: &Path) -> Option<PgBinaries> {
        let pick = |name: &str| {
            let p = dir.join(name);
            p.is_file().then_some(p)
        };
        Some(PgBinaries {
            initdb: pick("initdb")?,
            pg_ctl: pick("pg_ctl")?,
            postgres: pick("postgres")?,
        })
    }
}
