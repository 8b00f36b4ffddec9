//! Documents in a real browser: an agent uploads a client's ID copy through the client page's
//! form (it shows as scanning, then verified once the jobs run), opens the document (the
//! preview loads, the checks show their evidence, the text opens on demand, the download is
//! the uploaded bytes), is refused a PNG named `.pdf` beside the file field, sees a mismatched
//! ID copy scanning and then rejected with its failed checks, uploads a director's ID copy on
//! a registration's requirement (missing → pending → satisfied) and downloads the filing pack.
//! Each page passes axe-core and is saved at desktop and phone widths.

use crate::sign_in_browser::sign_in;
use base64::Engine as _;
use comply360_documents::DocumentSettings;
use comply360_domain::IsolationMode;
use comply360_testkit::browser::{
    browser_sized, chromedriver, click, judge_widths, press, wait_for_text,
};
use comply360_testkit::documents::{id_copy_lines, pdf_with_text, render_png};
use comply360_testkit::{TEST_PASSWORD, TestApp, TestDb, documents_app, test_documents};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

fn id_copy_scan(name: &str, id_number: &str) -> Vec<u8> {
    let lines = id_copy_lines(name, id_number);
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    render_png(&pdf_with_text(&[&refs]), 300)
}

fn tools_present() -> bool {
    ["pdftoppm", "tesseract"]
        .iter()
        .all(|p| std::process::Command::new(p).arg("-v").output().is_ok())
}

/// Runs the agency's jobs until no document of it is scanning or processing.
async fn settle(app: &TestApp, tenant: &str) {
    for _ in 0..30 {
        app.run_jobs(tenant).await;
        let t = app.store.tenancy().resolve(tenant).await.unwrap();
        let mut tx = app.store.tenancy().begin(&t).await.unwrap();
        let busy: i64 = tx
            .query_scalar("SELECT count(*) FROM documents WHERE tenant_id = $1 AND status IN ('scanning', 'processing')")
            .bind(t.id().as_uuid())
            .fetch_one(tx.conn())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        if busy == 0 {
            return;
        }
    }
    panic!("documents were never processed");
}

/// `GET path` with the browser's session cookies: status, content type and bytes.
async fn fetch_as(client: &Client, base: &str, path: &str) -> (u16, String, Vec<u8>) {
    let cookies = client.get_all_cookies().await.unwrap();
    let header = cookies
        .iter()
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect::<Vec<_>>()
        .join("; ");
    // The agency's host, over the loopback address (`*.localhost` is the browser's to resolve).
    let url = url::Url::parse(base).unwrap();
    let port = url.port().unwrap();
    let res = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}{path}"))
        .header("host", format!("{}:{port}", url.host_str().unwrap()))
        .header("cookie", header)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, res.bytes().await.unwrap().to_vec())
}

async fn choose_file(client: &Client, input_id: &str, path: &std::path::Path) {
    client
        .find(Locator::Id(input_id))
        .await
        .unwrap_or_else(|e| panic!("#{input_id}: {e}"))
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// Drops a file named `name` holding `bytes` on the page's upload drop zone, as a person
/// dragging it from their desktop would (dragenter, dragover, drop with a DataTransfer).
async fn drop_file(client: &Client, name: &str, bytes: &[u8]) {
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    let chosen = client
        .execute(
            r#"const bytes = Uint8Array.from(atob(arguments[0]), c => c.charCodeAt(0));
               const dt = new DataTransfer();
               dt.items.add(new File([bytes], arguments[1], {type: "image/png"}));
               const zone = document.querySelector("[data-dropzone]");
               for (const name of ["dragenter", "dragover", "drop"]) {
                 zone.dispatchEvent(new DragEvent(name, {dataTransfer: dt, bubbles: true, cancelable: true}));
               }
               return zone.querySelector("input[type=file]").files[0].name;"#,
            vec![json!(b64), json!(name)],
        )
        .await
        .unwrap();
    assert_eq!(chosen, name, "the dropped file is the form's file");
}

/// The text of the element at `css` once it has some (within 10 s).
async fn wait_for_text_of(client: &Client, css: &str) -> String {
    for _ in 0..100 {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
            && !text.is_empty()
        {
            return text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let page = text_of(client, "body").await;
    panic!("{css} never had any text; the page says:\n{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_uploads_checks_reads_and_packs_a_clients_documents() {
    if !tools_present() {
        assert!(
            !comply360_testkit::ci(),
            "poppler-utils and tesseract-ocr are required under CI=true (scripts/test installs them)"
        );
        eprintln!("SKIPPED: poppler-utils or tesseract-ocr missing");
        return;
    }
    let Some((_driver, driver_port)) = chromedriver().await else {
        return;
    };
    let db = TestDb::new().await;
    db.tenant("papers", IsolationMode::Schema).await;
    let root = tempfile::tempdir().unwrap();
    let docs = test_documents(&db.store, root.path(), None, DocumentSettings::default());
    let app = documents_app(db.store.clone(), docs).await;
    app.create_user("papers", "zanele@papers.example", "tenant_admin")
        .await;
    let token = app.token_for("papers", "tenant_admin").await;
    let api = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        api.post(app.url(path))
            .bearer_auth(&token)
            .header("x-tenant", "papers")
            .json(&body)
            .send()
    };
    let client_rec: Value = post("/api/v1/clients", json!({"kind": "person", "first_names": "Thandi", "surname": "Mokoena", "id_number": "8001015009087"}))
        .await.unwrap().json().await.unwrap();
    let client_id = client_rec["id"].as_str().unwrap().to_owned();
    let base = format!("http://papers.localhost:{}", app.addr.port());
    let files = tempfile::tempdir().unwrap();
    let scan = id_copy_scan("Thandi Mokoena", "8001015009087");
    let scan_path = files.path().join("thandi-id.png");
    std::fs::write(&scan_path, &scan).unwrap();

    let profile = tempfile::tempdir().unwrap();
    let client = browser_sized(driver_port, profile.path(), 1280, 900).await;
    client.goto(&format!("{base}/login")).await.unwrap();
    sign_in(&client, "zanele@papers.example", TEST_PASSWORD).await;
    wait_for_text(&client, "Dashboard").await;

    // No documents yet: the page says what to upload.
    client
        .goto(&format!("{base}/clients/{client_id}"))
        .await
        .unwrap();
    wait_for_text(&client, "No documents yet").await;
    judge_widths(&client, "client-documents-empty").await;

    // Upload through the form (the file input; the script sends it with a progress bar).
    choose_file(&client, "up-file", &scan_path).await;
    click(&client, "//main//button[normalize-space()='Upload']").await;
    wait_for_text(&client, "was uploaded").await;
    let row = text_of(&client, "#documents-h + table").await;
    assert!(row.contains("ID copy") && row.contains("Scanning"), "{row}");
    judge_widths(&client, "client-documents").await;

    settle(&app, "papers").await;
    client.refresh().await.unwrap();
    wait_for_text(&client, "Verified").await;

    // The document's page: preview, checks with evidence, text, download.
    click(&client, "//main//table//a[contains(., 'ID copy')]").await;
    wait_for_text(&client, "Checks").await;
    let mut loaded = false;
    for _ in 0..50 {
        let w = client
            .execute("const i = document.querySelector('img.doc-preview'); return i && i.complete ? i.naturalWidth : 0;", vec![])
            .await
            .unwrap();
        if w.as_u64().unwrap_or(0) > 0 {
            loaded = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(loaded, "the preview image loads");
    let checks = text_of(&client, "table.checks").await;
    assert!(
        checks.contains("Passed") && checks.contains("9087"),
        "{checks}"
    );
    click(
        &client,
        "//details[contains(@class,'doc-text-box')]/summary",
    )
    .await;
    let page = wait_for_text(&client, "Read by OCR").await;
    assert!(page.to_uppercase().contains("MOKOENA"), "{page}");
    judge_widths(&client, "document-verified").await;
    let url = client.current_url().await.unwrap();
    let doc_id = url.path().trim_start_matches("/documents/").to_owned();
    let (status, ct, bytes) = fetch_as(&client, &base, &format!("/documents/{doc_id}/file")).await;
    assert_eq!(status, 200);
    assert_eq!(ct, "image/png");
    assert_eq!(bytes, scan, "the download is the uploaded file");

    // A share link: made on the page, it opens the file without a session.
    press(&client, "Get a share link").await;
    wait_for_text(&client, "Share link").await;
    let link = client
        .find(fantoccini::Locator::Css(".notice a.break"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .expect("the link's address");
    // Without any cookie, to the agency's host over the loopback address.
    let link = url::Url::parse(&base).unwrap().join(&link).unwrap();
    let port = link.port().unwrap();
    let shared = reqwest::Client::new()
        .get(format!(
            "http://127.0.0.1:{port}{}?{}",
            link.path(),
            link.query().unwrap_or_default()
        ))
        .header("host", format!("{}:{port}", link.host_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(shared.status(), 200, "{link}");
    assert_eq!(shared.bytes().await.unwrap().to_vec(), scan);

    // The search box finds the document by what OCR read in it, and marks the words.
    client
        .goto(&format!("{base}/search?q=identity+document"))
        .await
        .unwrap();
    let hits = wait_for_text(&client, "Documents").await;
    assert!(hits.contains("thandi-id.png"), "{hits}");
    let marked = text_of(&client, "mark").await;
    assert!(marked.eq_ignore_ascii_case("identity"), "{marked}");
    judge_widths(&client, "search-documents").await;

    // A PNG named .pdf: refused beside the file field, in the practice's words.
    client
        .goto(&format!("{base}/clients/{client_id}"))
        .await
        .unwrap();
    wait_for_text(&client, "Upload a document").await;
    let fake = files.path().join("statement.pdf");
    std::fs::write(&fake, &scan).unwrap();
    choose_file(&client, "up-file", &fake).await;
    click(&client, "//main//button[normalize-space()='Upload']").await;
    let mut error = String::new();
    for _ in 0..100 {
        error = text_of(&client, "#up-file-error").await;
        if !error.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(error.to_lowercase().contains("png"), "{error}");
    judge_widths(&client, "upload-error").await;

    // An ID copy of someone else: scanning (the page says so and refreshes itself), then
    // rejected with its failed checks first.
    let other = files.path().join("wrong-id.png");
    std::fs::write(&other, id_copy_scan("Lerato Dlamini", "8506150123089")).unwrap();
    client
        .goto(&format!("{base}/clients/{client_id}"))
        .await
        .unwrap();
    wait_for_text(&client, "Upload a document").await;
    // A label of its own: another document, not a new version of the verified one.
    comply360_testkit::browser::fill(&client, "up-label", "Old ID").await;
    choose_file(&client, "up-file", &other).await;
    click(&client, "//main//button[normalize-space()='Upload']").await;
    wait_for_text(&client, "was uploaded").await;
    click(&client, "//main//table//a[contains(., 'Old ID')]").await;
    wait_for_text(&client, "Checking the file for malware").await;
    judge_widths(&client, "document-scanning").await;
    settle(&app, "papers").await;
    let page = wait_for_text(&client, "Failed").await;
    assert!(page.contains("Rejected"), "{page}");
    judge_widths(&client, "document-rejected").await;

    // The agent checked the original and overrides the verdict: without a reason the form
    // says so beside the field; with one, the document is verified by hand.
    click(
        &client,
        "//main//input[@name='status' and @value='verified']",
    )
    .await;
    press(&client, "Save the verdict").await;
    let error = wait_for_text_of(&client, "#reason-error").await;
    assert!(error.starts_with("Say why"), "{error}");
    judge_widths(&client, "document-verdict-error").await;
    click(
        &client,
        "//main//input[@name='status' and @value='verified']",
    )
    .await;
    comply360_testkit::browser::fill(
        &client,
        "reason",
        "checked against the original at the office",
    )
    .await;
    press(&client, "Save the verdict").await;
    let page = wait_for_text(&client, "now marked verified").await;
    assert!(page.contains("set by hand"), "{page}");

    // A legal hold needs a reason, then holds and can be lifted.
    press(&client, "Place a legal hold").await;
    let error = wait_for_text_of(&client, "#hold_reason-error").await;
    assert!(error.starts_with("Say why"), "{error}");
    comply360_testkit::browser::fill(&client, "hold_reason", "subpoena 2026/114").await;
    press(&client, "Place a legal hold").await;
    let page = wait_for_text(&client, "A legal hold was placed").await;
    assert!(page.contains("subpoena 2026/114"), "{page}");
    judge_widths(&client, "document-held").await;
    press(&client, "Lift the legal hold").await;
    wait_for_text(&client, "The legal hold was lifted").await;
    // On a second look it is someone else's ID after all: rejected again, by hand.
    click(
        &client,
        "//main//input[@name='status' and @value='rejected']",
    )
    .await;
    comply360_testkit::browser::fill(&client, "reason", "the ID is Lerato's, not Thandi's").await;
    press(&client, "Save the verdict").await;
    wait_for_text(&client, "now marked rejected").await;

    // A registration with a second director: the ID copies it needs, one uploaded on its
    // requirement (missing → pending → satisfied), and the filing pack.
    let reg: Value = post("/api/v1/registrations", json!({"client_id": client_id, "kind": "za_private_company", "steps": {"directors": {"directors": [
        {"full_name": "Thandi Mokoena", "id_number": "8001015009087"},
        {"full_name": "Lerato Dlamini", "id_number": "8506150123089"}]}}}))
        .await.unwrap().json().await.unwrap();
    let reg_id = reg["id"].as_str().unwrap().to_owned();
    client
        .goto(&format!("{base}/registrations/{reg_id}"))
        .await
        .unwrap();
    let page = wait_for_text(&client, "Documents for the filing").await;
    assert!(
        page.contains("Missing") && page.contains("Satisfied"),
        "{page}"
    );
    let lerato = files.path().join("lerato-id.png");
    let lerato_scan = id_copy_scan("Lerato Dlamini", "8506150123089");
    std::fs::write(&lerato, &lerato_scan).unwrap();
    // The missing one is uploaded from the wizard's documents step, which it returns to.
    client
        .goto(&format!("{base}/registrations/{reg_id}/steps/documents"))
        .await
        .unwrap();
    wait_for_text(&client, "Documents for the filing").await;
    judge_widths(&client, "wizard-documents").await;
    let input = client
        .execute("return [...document.querySelectorAll('.requirement input[type=file]')].map(i => i.id);", vec![])
        .await
        .unwrap();
    let input = input[0].as_str().unwrap().to_owned();
    choose_file(&client, &input, &lerato).await;
    click(
        &client,
        &format!("//input[@id='{input}']/ancestor::form//button"),
    )
    .await;
    wait_for_text(&client, "was uploaded").await;
    let here = client.current_url().await.unwrap();
    assert!(here.path().ends_with("/steps/documents"), "{here}");
    let reqs = text_of(&client, "ol.requirements").await;
    assert!(
        reqs.contains("Pending") && !reqs.contains("Missing"),
        "{reqs}"
    );
    settle(&app, "papers").await;
    client
        .goto(&format!("{base}/registrations/{reg_id}"))
        .await
        .unwrap();
    wait_for_text(&client, "2 of 2 ready").await;
    judge_widths(&client, "registration-requirements").await;

    let (status, ct, zip) = fetch_as(
        &client,
        &base,
        &format!("/registrations/{reg_id}/document-pack"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(ct, "application/zip");
    assert!(zip.starts_with(b"PK\x03\x04"), "a ZIP");
    let has = |needle: &[u8]| zip.windows(needle.len()).any(|w| w == needle);
    assert!(
        has(b"thandi-id.png") && has(b"lerato-id.png"),
        "both entries named"
    );
    // Stored entries: each document's bytes are in the archive as uploaded.
    assert!(has(&scan[..4096]) && has(&lerato_scan[lerato_scan.len() - 4096..]));

    // A company's own documents, on the company's page.
    let company: Value = post("/api/v1/companies", json!({"client_id": client_id, "company_type": "private_company",
        "name": "Mokoena Holdings (Pty) Ltd", "registration_number": "2019/200300/07", "incorporated_on": "2019-03-01",
        "people": [{"full_name": "Thandi Mokoena", "id_number": "8001015009087", "roles": ["director"]}]}))
        .await.unwrap().json().await.unwrap();
    let company_id = company["id"].as_str().expect("a company").to_owned();
    client
        .goto(&format!("{base}/companies/{company_id}"))
        .await
        .unwrap();
    wait_for_text(&client, "No documents yet").await;
    let certificate = files.path().join("registration-certificate.pdf");
    std::fs::write(
        &certificate,
        pdf_with_text(&[&[
            "CERTIFICATE OF INCORPORATION",
            "Mokoena Holdings (Pty) Ltd",
            "2019/200300/07",
        ]]),
    )
    .unwrap();
    choose_file(&client, "up-file", &certificate).await;
    click(&client, "//main//button[normalize-space()='Upload']").await;
    wait_for_text(&client, "was uploaded").await;
    let here = client.current_url().await.unwrap();
    assert!(here.path().ends_with(&company_id), "{here}");
    let rows = text_of(&client, "#documents-h + table").await;
    assert!(rows.contains("registration-certificate.pdf"), "{rows}");
    judge_widths(&client, "company-documents").await;

    // A file dropped on the upload form goes into its file input and is uploaded.
    client
        .goto(&format!("{base}/clients/{client_id}"))
        .await
        .unwrap();
    wait_for_text(&client, "Upload a document").await;
    // The same bytes as a document the client has: flagged, nothing stored twice.
    drop_file(&client, "dropped-id.png", &lerato_scan).await;
    comply360_testkit::browser::fill(&client, "up-label", "Dropped").await;
    click(&client, "//main//button[normalize-space()='Upload']").await;
    wait_for_text(&client, "was already uploaded; nothing new was stored").await;
    let fresh = render_png(&pdf_with_text(&[&["A new page"]]), 60);
    drop_file(&client, "dropped-id.png", &fresh).await;
    comply360_testkit::browser::fill(&client, "up-label", "Dropped").await;
    click(&client, "//main//button[normalize-space()='Upload']").await;
    wait_for_text(&client, "was uploaded").await;
    let rows = text_of(&client, "#documents-h + table").await;
    assert!(rows.contains("dropped-id.png"), "{rows}");
}
