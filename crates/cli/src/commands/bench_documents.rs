//! `comply360 bench --suite documents`: upload throughput of 1 MB documents over HTTP
//! (multipart, several clients at once) into encrypted local storage with fsync, beside the
//! vault alone (seal and write of the same files) and its parts on one core (SHA-256,
//! AES-256-GCM, the disk's write + fsync); then OCR pages per minute at 300 dpi with a child
//! process per core, through [`Extractor::text`] on an image-only PDF of ID-copy pages.
//!
//! Everything lives in temporary directories (the cluster's and the document store's),
//! removed afterwards. The OCR pages are the tests' own (`comply360_fixtures`): a one-page
//! text PDF per person rendered to JPEG at 300 dpi by poppler's `pdftoppm`, the JPEGs wrapped
//! into a PDF with no text layer, as a scanner writes it.

use axum::body::Bytes;
use comply360_api::{AppState, HttpSettings, Surface, serve_router};
use comply360_documents::extract::{ExtractSettings, Extractor};
use comply360_documents::links::LinkSigner;
use comply360_documents::vault::cipher::{Binding, Sealer};
use comply360_documents::vault::{DataKey, DataKeys, KeyRing, ObjectKey, StorageConfig, Vault};
use comply360_documents::{DocumentSettings, Documents, FileType};
use comply360_domain::{IsolationMode, Slug, Tier};
use comply360_fixtures as fixtures;
use comply360_identity::ratelimit::RateLimiter;
use comply360_identity::sealed::MasterKey;
use comply360_identity::{Identity, IdentitySettings};
use comply360_jobs::handlers::AuditTrail;
use comply360_jobs::{Outbox, RetryPolicy, Subscriptions, Transport};
use comply360_store::Store;
use comply360_store::provision::{NewTenant, ProvisionOptions};
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const PASSWORD: &str = "Bench-Marula-Kestrel-1987";
const SLUG: &str = "bench-documents";
/// The targets.
const TARGET_UPLOAD_MB_S: f64 = 40.0;
const TARGET_OCR_PAGES_MIN: f64 = 20.0;
const MB: f64 = 1024.0 * 1024.0;

/// What the suite does (the command line's `--documents-*` and `--ocr-pages`).
#[derive(Clone, Copy, Debug)]
pub struct Params {
    /// Files uploaded (and written through the vault alone).
    pub files: usize,
    /// Bytes of each file.
    pub file_bytes: usize,
    /// Uploads in flight at once.
    pub clients: usize,
    /// Pages of the OCR'd PDF.
    pub ocr_pages: usize,
}

pub async fn bench(store: &Store, params: Params) -> anyhow::Result<()> {
    anyhow::ensure!(
        params.files > 0 && params.clients > 0 && params.file_bytes >= 4096,
        "at least one file of at least 4 KiB and one client"
    );
    let root = tempfile::Builder::new()
        .prefix("c360bench-docs-")
        .tempdir_in("/tmp")?;
    let master = MasterKey::generate();
    let vault = Vault::new(
        &StorageConfig::Local {
            root: root.path().to_owned(),
        },
        DataKeys::from_store(store, KeyRing::new(master.clone())),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let extractor = Extractor::new(ExtractSettings {
        max_processes: cores,
        ..ExtractSettings::default()
    });
    let docs = Documents::new(
        vault.clone(),
        extractor.clone(),
        None,
        LinkSigner::new(master.clone()),
        DocumentSettings::default(),
    );

    let files: Vec<Bytes> = (0..params.files)
        .map(|i| Bytes::from(random_pdf(i as u64, params.file_bytes)))
        .collect();
    let total_mb = (params.files * params.file_bytes) as f64 / MB;
    println!(
        "upload: {} distinct PDFs of {:.2} MB ({total_mb:.0} MB), {} at once, AES-256-GCM into local storage (fsync on)",
        params.files,
        params.file_bytes as f64 / MB,
        params.clients
    );

    let http = upload_over_http(store, &docs, &master, &files, params.clients).await?;
    let tenant = store.tenancy().resolve(SLUG).await?;
    let direct = vault_alone(&vault, tenant.id(), &files, params.clients).await?;
    println!(
        "{:<34} {:>8} {:>8} {:>8} {:>8}",
        "path", "MB/s", "files/s", "p50 ms", "p95 ms"
    );
    for (name, run) in [
        ("http (multipart, reqwest, loopback)", &http),
        ("vault alone (seal + write + fsync)", &direct),
    ] {
        println!(
            "{name:<34} {:>8.1} {:>8.1} {:>8.2} {:>8.2}",
            total_mb / run.wall.as_secs_f64(),
            params.files as f64 / run.wall.as_secs_f64(),
            run.p50,
            run.p95
        );
    }
    let parts = parts_on_one_core(&files, root.path())?;
    println!(
        "parts, one core: SHA-256 {:.0} MB/s, AES-256-GCM seal {:.0} MB/s; the disk: a {:.2} MB file written, fsynced and renamed in {:.2} ms (p50)",
        parts.sha256_mb_s,
        parts.seal_mb_s,
        params.file_bytes as f64 / MB,
        parts.disk_p50_ms
    );
    let upload_mb_s = total_mb / http.wall.as_secs_f64();

    let ocr = ocr(&extractor, params.ocr_pages).await?;
    println!(
        "ocr: {} image-only pages at 300 dpi, max_processes {cores}: {:.1} s, {:.1} pages/min (peak children {}, ID numbers read on {} of {} pages)",
        params.ocr_pages,
        ocr.took.as_secs_f64(),
        ocr.pages_per_min,
        ocr.peak_children,
        ocr.numbers_read,
        params.ocr_pages
    );
    use super::bench_report::{record, round2};
    record("upload_http_mb_per_second", round2(upload_mb_s));
    record("upload_http_p95_ms", round2(http.p95));
    record(
        "vault_alone_mb_per_second",
        round2(total_mb / direct.wall.as_secs_f64()),
    );
    record("ocr_pages", params.ocr_pages);
    record("ocr_pages_per_minute", round2(ocr.pages_per_min));
    record("ocr_id_numbers_read", ocr.numbers_read);
    let verdict = |met: bool| if met { "met" } else { "MISSED" };
    println!(
        "targets: upload over HTTP ≥ {TARGET_UPLOAD_MB_S} MB/s: {upload_mb_s:.1}, {}; OCR ≥ {TARGET_OCR_PAGES_MIN} pages/min: {:.1}, {}",
        verdict(upload_mb_s >= TARGET_UPLOAD_MB_S),
        ocr.pages_per_min,
        verdict(ocr.pages_per_min >= TARGET_OCR_PAGES_MIN)
    );
    Ok(())
}

/// Wall time and per-file latency of one way of storing the files.
struct Run {
    wall: Duration,
    p50: f64,
    p95: f64,
}

fn run_of(wall: Duration, mut times: Vec<Duration>) -> Run {
    let (p50, p95, _) = super::bench::percentiles(&mut times);
    Run { wall, p50, p95 }
}

/// The files posted to `POST /api/v1/documents` by `clients` tasks at once, each file its own
/// document (a label apiece) of one client.
async fn upload_over_http(
    store: &Store,
    docs: &Documents,
    master: &MasterKey,
    files: &[Bytes],
    clients: usize,
) -> anyhow::Result<Run> {
    let record = store
        .create_tenant(
            NewTenant {
                slug: Slug::parse(SLUG)?,
                name: "Bench Documents".into(),
                mode: IsolationMode::Pooled,
                tier: Tier::Starter,
                server: None,
                admin_email: None,
            },
            ProvisionOptions::default(),
        )
        .await?;
    let tenant = store.tenancy().resolve(&record.slug).await?;
    let subs = Subscriptions::new(RetryPolicy::DEFAULT).with(AuditTrail);
    let outbox = Outbox::new(Arc::new(subs), Transport::Postgres);
    let identity = Identity::start(
        store.clone(),
        outbox.clone(),
        IdentitySettings::default(),
        master.clone(),
    )
    .await?;
    identity
        .create_user(
            &tenant,
            "admin@bench.example",
            "tenant_admin",
            "Bench Admin",
            PASSWORD,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let state = AppState::new(
        store.clone(),
        HttpSettings::default(),
        outbox,
        identity,
        RateLimiter::in_process(),
    )
    .with_documents(docs.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let stop = CancellationToken::new();
    let server = {
        let stop = stop.clone();
        let app = comply360_web::app(state, Surface::Api, axum::Router::new());
        tokio::spawn(async move { serve_router(listener, app, stop.cancelled_owned()).await })
    };
    let result = async {
        let http = reqwest::Client::new();
        let login: serde_json::Value = http
            .post(format!("{base}/api/v1/auth/login"))
            .header("x-tenant", SLUG)
            .json(&serde_json::json!({"email": "admin@bench.example", "password": PASSWORD}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let token = login["access_token"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("sign-in gave no access token"))?
            .to_owned();
        let client: serde_json::Value = http
            .post(format!("{base}/api/v1/clients"))
            .header("x-tenant", SLUG)
            .bearer_auth(&token)
            .json(&serde_json::json!({"kind": "person", "first_names": "Thandi", "surname": "Mokoena", "id_number": "8001015009087"}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let client = client["id"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("the client has no id"))?
            .to_owned();
        let post = |i: usize| -> anyhow::Result<_> {
            let file = reqwest::multipart::Part::stream_with_length(
                reqwest::Body::from(files[i].clone()),
                files[i].len() as u64,
            )
            .file_name(format!("bench-{i}.pdf"))
            .mime_str("application/pdf")?;
            let form = reqwest::multipart::Form::new()
                .text("subject", "client")
                .text("subject_id", client.clone())
                .text("type", "other")
                .text("label", format!("bench {i}"))
                .part("file", file);
            Ok(http
                .post(format!("{base}/api/v1/documents"))
                .header("x-tenant", SLUG)
                .bearer_auth(&token)
                .multipart(form)
                .send())
        };
        let next = AtomicUsize::new(0);
        let started = Instant::now();
        let per_client = futures::future::try_join_all((0..clients).map(|_| async {
            let mut times = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= files.len() {
                    return Ok::<_, anyhow::Error>(times);
                }
                let t = Instant::now();
                let res = post(i)?.await?;
                let status = res.status();
                let body = res.text().await?;
                times.push(t.elapsed());
                anyhow::ensure!(
                    status == 201,
                    "upload {i} answered {status}: {}",
                    body.chars().take(300).collect::<String>()
                );
            }
        }))
        .await?;
        Ok(run_of(started.elapsed(), per_client.concat()))
    }
    .await;
    stop.cancel();
    let _ = server.await;
    result
}

/// The same files sealed and written straight through [`Vault::writer`] (64 KiB at a time,
/// as a request body arrives), `clients` at once.
async fn vault_alone(
    vault: &Vault,
    tenant: comply360_domain::TenantId,
    files: &[Bytes],
    clients: usize,
) -> anyhow::Result<Run> {
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let per_client = futures::future::try_join_all((0..clients).map(|_| async {
        let mut times = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::SeqCst);
            let Some(file) = files.get(i) else {
                return Ok::<_, anyhow::Error>(times);
            };
            let t = Instant::now();
            let key = ObjectKey::document(tenant, uuid::Uuid::now_v7());
            let mut writer = vault.writer(tenant, &key).await?;
            for piece in file.chunks(64 * 1024) {
                writer.write(piece).await?;
            }
            writer.finish().await?;
            times.push(t.elapsed());
        }
    }))
    .await?;
    Ok(run_of(started.elapsed(), per_client.concat()))
}

struct Parts {
    sha256_mb_s: f64,
    seal_mb_s: f64,
    disk_p50_ms: f64,
}

/// Where an upload's time can go, each alone on one core: hashing, sealing, and the disk
/// (write, fsync, rename, fsync of the directory: what the local store does per object).
fn parts_on_one_core(files: &[Bytes], dir: &Path) -> anyhow::Result<Parts> {
    use sha2::Digest as _;
    let sample = &files[..files.len().min(20)];
    let mb = sample.iter().map(|f| f.len()).sum::<usize>() as f64 / MB;

    let t = Instant::now();
    for f in sample {
        std::hint::black_box(sha2::Sha256::digest(f));
    }
    let sha256_mb_s = mb / t.elapsed().as_secs_f64();

    let key = DataKey::generate();
    let binding = Binding {
        tenant: comply360_domain::TenantId::new(),
        object_key: "bench",
    };
    let t = Instant::now();
    let mut out = Vec::with_capacity(2 * 64 * 1024);
    for f in sample {
        let mut sealer = Sealer::new(&key, 1, &binding);
        for piece in f.chunks(64 * 1024) {
            sealer.push(piece, &mut out)?;
            out.clear();
        }
        sealer.finish(&mut out)?;
        out.clear();
    }
    let seal_mb_s = mb / t.elapsed().as_secs_f64();

    let disk = dir.join("disk-probe");
    std::fs::create_dir_all(&disk)?;
    let mut times = Vec::new();
    for (i, f) in sample.iter().enumerate() {
        let t = Instant::now();
        let staged = disk.join(format!("{i}#staged"));
        let mut file = std::fs::File::create(&staged)?;
        file.write_all(f)?;
        file.sync_all()?;
        std::fs::rename(&staged, disk.join(i.to_string()))?;
        std::fs::File::open(&disk)?.sync_all()?;
        times.push(t.elapsed());
    }
    std::fs::remove_dir_all(&disk)?;
    let (disk_p50_ms, _, _) = super::bench::percentiles(&mut times);
    Ok(Parts {
        sha256_mb_s,
        seal_mb_s,
        disk_p50_ms,
    })
}

/// A valid PDF of `len` bytes whose one stream is random (seeded by `seed`): every file
/// distinct, none compressible.
fn random_pdf(seed: u64, len: usize) -> Vec<u8> {
    let head = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
    let tail = b"\nendstream\nendobj\ntrailer\n<< /Size 2 >>\n%%EOF\n";
    let dict = |n: usize| format!("1 0 obj\n<< /Length {n:010} >>\nstream\n");
    let n = len.saturating_sub(head.len() + dict(0).len() + tail.len());
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(head);
    out.extend_from_slice(dict(n).as_bytes());
    // splitmix64: fast, and as good as random for "no two files alike".
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xC360_C360_C360_C360;
    let mut left = n;
    while left > 0 {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let take = left.min(8);
        out.extend_from_slice(&z.to_le_bytes()[..take]);
        left -= take;
    }
    out.extend_from_slice(tail);
    out
}

struct Ocr {
    took: Duration,
    pages_per_min: f64,
    peak_children: usize,
    numbers_read: usize,
}

/// People on the ID-copy pages: made up, with valid SA ID numbers.
const PEOPLE: [(&str, &str); 4] = [
    ("Thandi Nomsa Mokoena", "8506150123089"),
    ("Sipho Johannes Dlamini", "8001015009087"),
    ("Anna Maria Botha", "9512314999181"),
    ("Lwazi Peter Nkosi", "0002295109082"),
];

/// An image-only PDF of `pages` ID-copy pages rendered at 300 dpi, read by the extractor (a
/// child process per core); the time and what was read.
async fn ocr(extractor: &Extractor, pages: usize) -> anyhow::Result<Ocr> {
    anyhow::ensure!(pages > 0, "at least one page to OCR");
    let mut jpegs = Vec::new();
    for (name, number) in PEOPLE.iter().take(pages) {
        let lines = fixtures::id_copy_lines(name, number);
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let page = fixtures::pdf_with_text(&[&lines]);
        jpegs.push(
            tokio::task::spawn_blocking(move || fixtures::try_render_jpeg(&page, 300))
                .await?
                .map_err(|e| anyhow::anyhow!(e))?,
        );
    }
    let pdf = fixtures::pdf_of_images(
        &(0..pages)
            .map(|p| jpegs[p % jpegs.len()].clone())
            .collect::<Vec<_>>(),
    );
    let before = extractor.stats().ocr_pages;
    let started = Instant::now();
    let got = extractor
        .text(&pdf, FileType::Pdf)
        .await
        .map_err(|e| anyhow::anyhow!("OCR failed: {e}"))?;
    let took = started.elapsed();
    let stats = extractor.stats();
    anyhow::ensure!(
        got.ocr_pages as usize == pages && stats.ocr_pages - before == pages as u64,
        "{pages} pages should have been OCR'd, {} were",
        got.ocr_pages
    );
    // The page's ID number, read back whatever the spacing: OCR that reads nothing is not fast.
    let numbers_read = got
        .text
        .split('\u{c}')
        .enumerate()
        .filter(|(p, text)| {
            let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            digits.contains(PEOPLE[p % PEOPLE.len().min(pages)].1)
        })
        .count();
    anyhow::ensure!(
        numbers_read > 0,
        "OCR read no page's ID number: the measurement would be of nothing"
    );
    Ok(Ocr {
        took,
        pages_per_min: pages as f64 * 60.0 / took.as_secs_f64(),
        peak_children: stats.peak_children,
        numbers_read,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_pdfs_have_the_size_asked_and_differ() {
        let a = random_pdf(1, 100_000);
        let b = random_pdf(2, 100_000);
        assert_eq!(a.len(), 100_000);
        assert!(a.starts_with(b"%PDF-1.4"));
        assert_ne!(a, b);
        let text = String::from_utf8_lossy(&a[..80]);
        let declared: usize = text
            .split("/Length ")
            .nth(1)
            .and_then(|s| s.get(..10))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let start = a.windows(7).position(|w| w == b"stream\n").unwrap_or(0) + 7;
        let end = a.windows(10).position(|w| w == b"\nendstream").unwrap_or(0);
        assert_eq!(end - start, declared);
    }
}
