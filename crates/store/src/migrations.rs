//! The migration files, embedded in the binary, with their checksums.
//!
//! Files are named `NNNN_what.sql`. Control-plane files are applied once to the app database;
//! tenant-plane files to every namespace. A test checks that the lists below match the
//! directories, so a new file cannot be forgotten.

use crate::StoreError;
use sha2::{Digest, Sha256};
use std::path::Path;

#[derive(Clone, Debug)]
pub struct Migration {
    pub version: i32,
    /// The file's path relative to the repository, e.g. `migrations/tenant/0001_core.sql`.
    pub file: String,
    pub sql: String,
    pub checksum: String,
}

impl Migration {
    pub fn new(version: i32, file: impl Into<String>, sql: impl Into<String>) -> Migration {
        let sql = sql.into();
        let checksum = hex::encode(Sha256::digest(sql.as_bytes()));
        Migration {
            version,
            file: file.into(),
            sql,
            checksum,
        }
    }
}

/// An ordered list of migrations of one plane.
#[derive(Clone, Debug)]
pub struct MigrationSet {
    pub plane: &'static str,
    pub migrations: Vec<Migration>,
}

macro_rules! embedded {
    ($plane:literal, [$($version:literal => $file:literal),+ $(,)?]) => {
        MigrationSet {
            plane: $plane,
            migrations: vec![$(Migration::new(
                $version,
                concat!("migrations/", $plane, "/", $file),
                include_str!(concat!("../../../migrations/", $plane, "/", $file)),
            )),+],
        }
    };
}

impl MigrationSet {
    pub fn control() -> MigrationSet {
        embedded!("control", [1 => "0001_catalog.sql", 2 => "0002_integration_circuits.sql", 3 => "0003_identity.sql", 4 => "0004_declared_holidays.sql", 5 => "0005_data_keys.sql", 6 => "0006_payments.sql", 7 => "0007_platform_billing.sql"])
    }

    pub fn tenant() -> MigrationSet {
        embedded!("tenant", [1 => "0001_core.sql", 2 => "0002_events.sql", 3 => "0003_notifications.sql", 4 => "0004_identity.sql", 5 => "0005_practice.sql", 6 => "0006_idempotency.sql", 7 => "0007_search.sql", 8 => "0008_documents.sql", 9 => "0009_people_erasure.sql", 10 => "0010_money.sql", 11 => "0011_odoo.sql", 12 => "0012_reports.sql", 13 => "0013_payments.sql", 14 => "0014_odoo_invoices.sql", 15 => "0015_citus_ready.sql", 16 => "0016_trace_context.sql"])
    }

    /// Reads `NNNN_*.sql` files from a directory (used by tests and by operators who ship
    /// migrations beside the binary).
    pub fn from_dir(plane: &'static str, dir: &Path) -> Result<MigrationSet, StoreError> {
        let mut migrations = Vec::new();
        let entries = std::fs::read_dir(dir)
            .map_err(|e| StoreError::Migration(format!("cannot read {}: {e}", dir.display())))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(stem) = name.strip_suffix(".sql") else {
                continue;
            };
            let version = stem
                .split('_')
                .next()
                .and_then(|v| v.parse::<i32>().ok())
                .ok_or_else(|| {
                    StoreError::Migration(format!(
                        "{name}: name must start with a number, like 0002_add_x.sql"
                    ))
                })?;
            let sql = std::fs::read_to_string(entry.path())
                .map_err(|e| StoreError::Migration(format!("cannot read {name}: {e}")))?;
            migrations.push(Migration::new(
                version,
                format!("migrations/{plane}/{name}"),
                sql,
            ));
        }
        migrations.sort_by_key(|m| m.version);
        let set = MigrationSet { plane, migrations };
        set.check_sequence()?;
        Ok(set)
    }

    /// Adds a migration at the end (tests build new versions this way).
    pub fn with(mut self, migration: Migration) -> MigrationSet {
        self.migrations.push(migration);
        self
    }

    pub fn latest(&self) -> i32 {
        self.migrations.last().map_or(0, |m| m.version)
    }

    pub fn get(&self, version: i32) -> Option<&Migration> {
        self.migrations.iter().find(|m| m.version == version)
    }

    /// Migrations after `version`, in order.
    pub fn after(&self, version: i32) -> impl Iterator<Item = &Migration> {
        self.migrations.iter().filter(move |m| m.version > version)
    }

    /// Versions must be 1, 2, 3, … without gaps or repeats.
    pub fn check_sequence(&self) -> Result<(), StoreError> {
        for (i, m) in self.migrations.iter().enumerate() {
            let expected = i32::try_from(i + 1).unwrap_or(i32::MAX);
            if m.version != expected {
                return Err(StoreError::Migration(format!(
                    "{}: expected version {expected}; versions must count up from 1 without gaps",
                    m.file
                )));
            }
        }
        Ok(())
    }

    /// Compares applied (version, checksum) pairs with these files.
    pub fn verify_applied(&self, applied: &[(i32, String)]) -> Result<(), StoreError> {
        for (version, checksum) in applied {
            match self.get(*version) {
                Some(m) if &m.checksum == checksum => {}
                Some(m) => {
                    return Err(StoreError::MigrationEdited {
                        file: m.file.clone(),
                        applied: short(checksum),
                        current: short(&m.checksum),
                    });
                }
                None => {
                    return Err(StoreError::MigrationUnknown {
                        kind: self.plane.into(),
                        version: *version,
                    });
                }
            }
        }
        Ok(())
    }
}

fn short(checksum: &str) -> String {
    checksum.chars().take(12).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files_in(plane: &str) -> Vec<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../migrations")
            .join(plane);
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| format!("migrations/{plane}/{}", e.file_name().to_string_lossy()))
            .filter(|n| n.ends_with(".sql"))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn embedded_lists_match_the_directories() {
        for set in [MigrationSet::control(), MigrationSet::tenant()] {
            let embedded: Vec<String> = set.migrations.iter().map(|m| m.file.clone()).collect();
            assert_eq!(
                embedded,
                files_in(set.plane),
                "update MigrationSet::{}()",
                set.plane
            );
            set.check_sequence().unwrap();
        }
    }

    #[test]
    fn an_edited_file_is_named() {
        let set = MigrationSet::tenant();
        let err = set.verify_applied(&[(1, "0".repeat(64))]).unwrap_err();
        assert!(
            err.to_string().contains("migrations/tenant/0001_core.sql"),
            "{err}"
        );
        let err = set.verify_applied(&[(99, "x".into())]).unwrap_err();
        assert!(matches!(
            err,
            StoreError::MigrationUnknown { version: 99, .. }
        ));
        set.verify_applied(&[(1, set.migrations[0].checksum.clone())])
            .unwrap();
    }

    #[test]
    fn gaps_are_refused() {
        let set = MigrationSet::tenant().with(Migration::new(
            3,
            "migrations/tenant/0003_x.sql",
            "select 1",
        ));
        assert!(set.check_sequence().is_err());
    }
}
