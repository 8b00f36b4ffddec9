//! A full disk under the document store: the upload is refused with a clear 507 problem,
//! nothing of it is left (no file, no row), and once there is room again uploads work. The
//! disk is a real one: a tmpfs of 384 KiB mounted over the store's directory.

use crate::api::env_in;
use comply360_documents::DocumentSettings;
use comply360_domain::IsolationMode;
use comply360_testkit::documents::pdf_with_text;
use reqwest::StatusCode;
use std::path::PathBuf;
use std::process::Command;

/// Unmounts the tmpfs when the test ends, however it ends.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A tmpfs of `size` over `dir`; `None` where this process may not mount (not root), which
/// under CI=true is a failure, not a skip.
fn mount_tmpfs(dir: &std::path::Path, size: &str) -> Option<Mounted> {
    let mounted = Command::new("mount")
        .args([
            "-t",
            "tmpfs",
            "-o",
            &format!("size={size},mode=0777"),
            "tmpfs",
        ])
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success());
    if mounted {
        return Some(Mounted(dir.to_owned()));
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "cannot mount a tmpfs over {} (run the tests as root): the full-disk test needs one",
        dir.display()
    );
    eprintln!("skipping: cannot mount a tmpfs (not root)");
    None
}

#[tokio::test]
async fn a_full_disk_is_a_507_that_leaves_nothing_behind() {
    let root = tempfile::tempdir().unwrap();
    let Some(_mounted) = mount_tmpfs(root.path(), "384k") else {
        return;
    };
    let env = env_in(root, DocumentSettings::default(), None).await;
    let a = env.agency("docs-full", IsolationMode::Pooled).await;
    let client = env.client(&a, "Lerato", "Mokoena", "8001015009087").await;
    let pdf = pdf_with_text(&[&["Proof of residence", "Lerato Mokoena"]]);

    // A megabyte does not fit in 384 KiB.
    let mut big = pdf.clone();
    big.extend(std::iter::repeat_n(b'%', 1024 * 1024));
    let (status, body) = env
        .upload(
            &a,
            ("client", &client),
            "proof_of_address",
            "statement.pdf",
            "application/pdf",
            big,
        )
        .await;
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "{body}");
    assert_eq!(body["code"], "storage_full", "{body}");
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(
        !detail.contains("os error") && !detail.contains(&env.root.path().display().to_string()),
        "no internal detail reaches the client: {detail}"
    );
    // Nothing half-written: no file, no document.
    assert!(env.stored_files().is_empty(), "{:?}", env.stored_files());
    let (_, list) = env
        .call(
            &a,
            reqwest::Method::GET,
            &format!("/api/v1/documents?client_id={client}"),
            None,
        )
        .await;
    assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");

    // A small one fits: the store works again as soon as there is room.
    let (status, body) = env
        .upload(
            &a,
            ("client", &client),
            "proof_of_address",
            "statement.pdf",
            "application/pdf",
            pdf,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(!env.stored_files().is_empty());
}
