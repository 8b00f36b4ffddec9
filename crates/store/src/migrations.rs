//! The migration files, embedded in the binary, with their checksums.
//!
//! Files are named `NNNN_what.sql`. Control-plane files are applied once to the app database;
//! tenant-plane files to every namespace. A test checks that the lists below match the
//! directories, so a new file cannot be forgotten.
//!
//! A new namespace is built from the tenant plane's [`Snapshot`] (`migrations/tenant/
//! snapshot.sql`, the files' result as `pg_dump` prints it) and then the files after it,
//! instead of replaying every file: an `ALTER TABLE` that adds a column with a default, a
//! generated column or a checked constraint scans the whole catalog in PostgreSQL, so
//! replaying history made each new schema agency slower than the last (0.8 s at 1,000
//! agencies, growing with each). The store's `tenant_snapshot` test proves the snapshot
//! builds exactly what the files build, and rewrites it when asked.

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

/// The result of migrations `1..=version`, as one script for an empty namespace.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub version: i32,
    pub file: String,
    pub sql: String,
}

/// A plane's snapshot file, beside its numbered files.
pub const SNAPSHOT_FILE: &str = "snapshot.sql";

/// The first line of a snapshot file, followed by its version.
pub const SNAPSHOT_HEADER: &str = "-- comply360 tenant snapshot, version ";

impl Snapshot {
    /// Reads a snapshot file's text; its first line names the version it stands for.
    pub fn parse(file: impl Into<String>, sql: impl Into<String>) -> Result<Snapshot, StoreError> {
        let (file, sql) = (file.into(), sql.into());
        let version = sql
            .lines()
            .next()
            .and_then(|l| l.strip_prefix(SNAPSHOT_HEADER))
            .and_then(|v| v.trim().parse::<i32>().ok())
            .ok_or_else(|| {
                StoreError::Migration(format!(
                    "{file}: the first line must be `{SNAPSHOT_HEADER}<N>`"
                ))
            })?;
        Ok(Snapshot { version, file, sql })
    }
}

/// An ordered list of migrations of one plane.
#[derive(Clone, Debug)]
pub struct MigrationSet {
    pub plane: &'static str,
    pub migrations: Vec<Migration>,
    /// Where an empty namespace may start instead of at the first file.
    pub snapshot: Option<Snapshot>,
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
            snapshot: None,
        }
    };
}

impl MigrationSet {
    pub fn control() -> MigrationSet {
        embedded!("control", [1 => "0001_catalog.sql", 2 => "0002_integration_circuits.sql", 3 => "0003_identity.sql", 4 => "0004_declared_holidays.sql", 5 => "0005_data_keys.sql", 6 => "0006_payments.sql", 7 => "0007_platform_billing.sql"])
    }

    pub fn tenant() -> MigrationSet {
        let mut set = Self::tenant_files();
        set.snapshot = Snapshot::parse(
            "migrations/tenant/snapshot.sql",
            include_str!("../../../migrations/tenant/snapshot.sql"),
        )
        .ok();
        set
    }

    /// The tenant plane's files alone, with no snapshot: every namespace replays them all.
    pub fn tenant_files() -> MigrationSet {
        embedded!("tenant", [1 => "0001_core.sql", 2 => "0002_events.sql", 3 => "0003_notifications.sql", 4 => "0004_identity.sql", 5 => "0005_practice.sql", 6 => "0006_idempotency.sql", 7 => "0007_search.sql", 8 => "0008_documents.sql", 9 => "0009_people_erasure.sql", 10 => "0010_money.sql", 11 => "0011_odoo.sql", 12 => "0012_reports.sql", 13 => "0013_payments.sql", 14 => "0014_odoo_invoices.sql", 15 => "0015_citus_ready.sql", 16 => "0016_trace_context.sql", 17 => "0017_data_version.sql", 18 => "0018_lighter_emit.sql", 19 => "0019_registration_list_checks.sql"])
    }

    /// Reads `NNNN_*.sql` files from a directory (used by tests and by operators who ship
    /// migrations beside the binary).
    pub fn from_dir(plane: &'static str, dir: &Path) -> Result<MigrationSet, StoreError> {
        let mut migrations = Vec::new();
        let entries = std::fs::read_dir(dir)
            .map_err(|e| StoreError::Migration(format!("cannot read {}: {e}", dir.display())))?;
        let mut snapshot = None;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == SNAPSHOT_FILE {
                let sql = std::fs::read_to_string(entry.path())
                    .map_err(|e| StoreError::Migration(format!("cannot read {name}: {e}")))?;
                snapshot = Some(Snapshot::parse(format!("migrations/{plane}/{name}"), sql)?);
                continue;
            }
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
        let set = MigrationSet {
            plane,
            migrations,
            snapshot,
        };
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

    /// The scripts that bring a namespace at `current` to the latest version, as (file, SQL):
    /// from nothing, the snapshot and the files after it; otherwise the files after `current`.
    pub fn steps_from(&self, current: i32) -> Vec<(&str, &str)> {
        let snapshot = self
            .snapshot
            .as_ref()
            .filter(|s| current == 0 && s.version <= self.latest());
        let (start, first) = match snapshot {
            Some(s) => (s.version, Some((s.file.as_str(), s.sql.as_str()))),
            None => (current, None),
        };
        first
            .into_iter()
            .chain(self.after(start).map(|m| (m.file.as_str(), m.sql.as_str())))
            .collect()
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
            .filter(|n| n.ends_with(".sql") && !n.ends_with(SNAPSHOT_FILE))
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
    fn an_empty_namespace_starts_from_the_snapshot_and_the_files_after_it() {
        let snapshot = MigrationSet::tenant()
            .snapshot
            .expect("the tenant snapshot parses");
        let set = MigrationSet::tenant().with(Migration::new(
            MigrationSet::tenant().latest() + 1,
            "migrations/tenant/9999_next.sql",
            "select 1",
        ));
        let files: Vec<&str> = set.steps_from(0).iter().map(|s| s.0).collect();
        let mut expected = vec!["migrations/tenant/snapshot.sql"];
        expected.extend(set.after(snapshot.version).map(|m| m.file.as_str()));
        assert_eq!(files, expected);
        // A namespace on its way is migrated file by file.
        let files: Vec<&str> = set.steps_from(1).iter().map(|s| s.0).collect();
        assert_eq!(files.first(), Some(&"migrations/tenant/0002_events.sql"));
        assert_eq!(files.len(), set.migrations.len() - 1);
        // Without a snapshot, or one newer than the set, every file is replayed.
        let files = MigrationSet::tenant_files();
        assert_eq!(files.steps_from(0).len(), files.migrations.len());
        let short = MigrationSet {
            migrations: MigrationSet::tenant().migrations[..2].to_vec(),
            ..MigrationSet::tenant()
        };
        assert_eq!(short.steps_from(0).len(), 2);
    }

    #[test]
    fn a_snapshot_names_its_version_on_its_first_line() {
        let s =
            Snapshot::parse("x.sql", format!("{SNAPSHOT_HEADER}7\nCREATE TABLE t ();")).unwrap();
        assert_eq!(s.version, 7);
        let err = Snapshot::parse("x.sql", "CREATE TABLE t ();").unwrap_err();
        assert!(err.to_string().contains("x.sql: the first line"), "{err}");
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
