//! The benchmark suites still run: `comply360 bench --suite documents` with tiny parameters
//! (a few small uploads over HTTP, the vault alone, one OCR'd page), so a change that breaks
//! the suite fails here rather than on the day someone measures.

use crate::support::BIN;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn tools_present() -> bool {
    let present = ["pdftoppm", "tesseract"]
        .iter()
        .all(|p| Command::new(p).arg("-v").output().is_ok());
    assert!(
        present || !comply360_testkit::ci(),
        "poppler-utils and tesseract-ocr are needed (scripts/test installs them)"
    );
    if !present {
        eprintln!("SKIPPED: poppler-utils or tesseract-ocr missing");
    }
    present
}

#[test]
fn the_documents_suite_runs() {
    if !tools_present() {
        return;
    }
    let started = Instant::now();
    let out = Command::new(BIN)
        .args([
            "bench",
            "--suite",
            "documents",
            "--documents-files",
            "6",
            "--documents-bytes",
            "65536",
            "--documents-clients",
            "2",
            "--ocr-pages",
            "1",
        ])
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    for line in [
        "comply360 bench --suite documents",
        "http (multipart, reqwest, loopback)",
        "vault alone (seal + write + fsync)",
        "parts, one core: SHA-256",
        "ocr: 1 image-only pages at 300 dpi",
        "targets: upload over HTTP",
    ] {
        assert!(stdout.contains(line), "{line:?} missing from:\n{stdout}");
    }
    eprintln!("{stdout}");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the smoke run took {:?}",
        started.elapsed()
    );
}
