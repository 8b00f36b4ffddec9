//! `comply360 documents rewrap|sweep`: the agencies' data keys moved to a new master key, and
//! the housekeeping on demand; bad input is one line on stderr and a non-zero exit.

use crate::support::comply360;
use comply360_documents::vault::{DataKeys, KeyRing};
use comply360_domain::IsolationMode;
use comply360_identity::sealed::MasterKey;
use comply360_testkit::TestDb;
use std::process::Output;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn refused(out: &Output, says: &str) {
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(says), "{err}");
}

#[tokio::test]
async fn rewrap_moves_data_keys_to_the_new_master_key_and_sweep_reports_what_it_did() {
    let db = TestDb::new().await;
    let agency = db.tenant("docs-cli", IsolationMode::Pooled).await;
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (MasterKey::generate(), MasterKey::generate());
    // The agency's data key, wrapped by the old master key.
    let keys = DataKeys::from_store(
        &db.store,
        KeyRing::new(MasterKey::from_base64(&old.to_base64()).unwrap()),
    );
    keys.current(agency.id).await.unwrap();
    let old_file = dir.path().join("old.key");
    std::fs::write(&old_file, format!("{}\n", old.to_base64())).unwrap();

    let documents = |args: &[&str]| {
        comply360(&db)
            .arg("documents")
            .args(args)
            .env("COMPLY360_MASTER_KEY", new.to_base64())
            .env("COMPLY360_DATA_DIR", dir.path())
            .env("COMPLY360_DOCUMENTS_DIR", dir.path().join("documents"))
            .output()
            .unwrap()
    };
    let old_arg = old_file.to_str().unwrap();
    let out = documents(&["rewrap", "--previous-master-key-file", old_arg]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout)
            .contains("1 data keys rewrapped to the current master key, 0 already current"),
        "{}",
        text(&out.stdout)
    );
    // Run again: nothing left to do.
    let out = documents(&["rewrap", "--previous-master-key-file", old_arg]);
    assert!(
        text(&out.stdout)
            .contains("0 data keys rewrapped to the current master key, 1 already current"),
        "{}",
        text(&out.stdout)
    );
    // The new master key alone opens the agency's data key.
    let under_new = DataKeys::from_store(
        &db.store,
        KeyRing::new(MasterKey::from_base64(&new.to_base64()).unwrap()),
    );
    under_new.current(agency.id).await.unwrap();

    // A missing file and a file that holds no key: one line each.
    refused(
        &documents(&[
            "rewrap",
            "--previous-master-key-file",
            "/nonexistent/old.key",
        ]),
        "cannot read the previous master key",
    );
    let junk = dir.path().join("junk.key");
    std::fs::write(&junk, "not a key").unwrap();
    refused(
        &documents(&[
            "rewrap",
            "--previous-master-key-file",
            junk.to_str().unwrap(),
        ]),
        "is not a key",
    );

    let out = documents(&["sweep", "--tenant", "docs-cli"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("0 documents moved into storage, 0 purged at the end of their retention, 0 kept on legal hold"), "{}", text(&out.stdout));
    let out = documents(&["sweep"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    refused(
        &documents(&["sweep", "--tenant", "no-such-agency"]),
        "no-such-agency",
    );
}
