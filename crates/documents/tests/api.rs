//! Documents over real HTTP, a real PostgreSQL, real poppler and Tesseract, and (for the
//! malware test) a real clamd: uploads streamed into encrypted local storage, read, checked
//! and given a verdict by the `documents.process` job; refusals that leave nothing behind;
//! versions, duplicates, signed links, legal holds, retention with the clock moved forward.

use chrono::Duration as Days;
use comply360_documents::DocumentSettings;
use comply360_documents::housekeeping;
use comply360_documents::scan::{Clamd, ClamdAddress};
use comply360_domain::IsolationMode;
use comply360_testkit::documents::{id_copy_lines, pdf_with_text, render_png};
use comply360_testkit::{TestApp, TestDb, documents_app, test_documents};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub(crate) struct Env {
    pub app: TestApp,
    pub db: TestDb,
    pub root: tempfile::TempDir,
    pub docs: comply360_documents::Documents,
    pub http: reqwest::Client,
}

pub(crate) async fn env(settings: DocumentSettings, clamd: Option<Clamd>) -> Env {
    env_in(tempfile::tempdir().unwrap(), settings, clamd).await
}

/// An app storing its documents under `root`.
pub(crate) async fn env_in(
    root: tempfile::TempDir,
    settings: DocumentSettings,
    clamd: Option<Clamd>,
) -> Env {
    let db = TestDb::new().await;
    let docs = test_documents(&db.store, root.path(), clamd, settings);
    let app = documents_app(db.store.clone(), docs.clone()).await;
    Env {
        app,
        db,
        root,
        docs,
        http: reqwest::Client::new(),
    }
}

pub(crate) struct Agency {
    pub slug: String,
    pub admin: String,
    pub agent: String,
}

impl Env {
    pub async fn agency(&self, slug: &str, mode: IsolationMode) -> Agency {
        self.db.tenant(slug, mode).await;
        Agency {
            slug: slug.to_owned(),
            admin: self.app.token_for(slug, "tenant_admin").await,
            agent: self.app.token_for(slug, "agent").await,
        }
    }

    pub async fn call(
        &self,
        a: &Agency,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, self.app.url(path))
            .header("x-tenant", &a.slug)
            .bearer_auth(&a.agent);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn client(&self, a: &Agency, first: &str, surname: &str, id_number: &str) -> String {
        let (status, body) = self
            .call(
                a,
                reqwest::Method::POST,
                "/api/v1/clients",
                Some(json!({"kind": "person", "first_names": first, "surname": surname, "id_number": id_number})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }

    /// Uploads `bytes` as `name` (declared `mime`) for the subject; status and body.
    pub async fn upload(
        &self,
        a: &Agency,
        subject: (&str, &str),
        ty: &str,
        name: &str,
        mime: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        let form = reqwest::multipart::Form::new()
            .text("subject", subject.0.to_owned())
            .text("subject_id", subject.1.to_owned())
            .text("type", ty.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name(name.to_owned())
                    .mime_str(mime)
                    .unwrap(),
            );
        let res = self
            .http
            .post(self.app.url("/api/v1/documents"))
            .header("x-tenant", &a.slug)
            .bearer_auth(&a.agent)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get_bytes(&self, a: &Agency, path: &str) -> (StatusCode, Vec<u8>) {
        let res = self
            .http
            .get(self.app.url(path))
            .header("x-tenant", &a.slug)
            .bearer_auth(&a.agent)
            .send()
            .await
            .unwrap();
        (res.status(), res.bytes().await.unwrap().to_vec())
    }

    /// Runs the agency's jobs until the document leaves `scanning`/`processing`.
    pub async fn processed(&self, a: &Agency, id: &str) -> Value {
        for _ in 0..20 {
            self.app.run_jobs(&a.slug).await;
            let (_, d) = self
                .call(
                    a,
                    reqwest::Method::GET,
                    &format!("/api/v1/documents/{id}"),
                    None,
                )
                .await;
            if d["status"] != "scanning" && d["status"] != "processing" {
                return d;
            }
        }
        panic!("document {id} was never processed");
    }

    /// Every stored object (file) under the storage root.
    pub fn stored_files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else {
                    out.push(p);
                }
            }
        }
        let mut out = Vec::new();
        walk(self.root.path(), &mut out);
        out
    }
}

fn id_copy_scan(name: &str, id_number: &str) -> Vec<u8> {
    let lines = id_copy_lines(name, id_number);
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    render_png(&pdf_with_text(&[&refs]), 300)
}

fn tools_present() -> bool {
    let present = ["pdftoppm", "tesseract"]
        .iter()
        .all(|p| std::process::Command::new(p).arg("-v").output().is_ok());
    assert!(
        present || !comply360_testkit::ci(),
        "poppler-utils and tesseract-ocr are needed (scripts/test installs them)"
    );
    if !present {
        eprintln!("SKIPPED: poppler-utils or tesseract-ocr missing");
    }
    present
}

#[tokio::test]
async fn an_id_copy_is_read_and_verified_and_a_mismatched_one_rejected_with_its_reasons() {
    if !tools_present() {
        return;
    }
    let env = env(DocumentSettings::default(), None).await;
    let a = env.agency("docs-verify", IsolationMode::Pooled).await;
    let thandi = env.client(&a, "Thandi", "Mokoena", "8001015009087").await;
    let lerato = env.client(&a, "Lerato", "Dlamini", "8506150123089").await;
    let scan = id_copy_scan("Thandi Mokoena", "8001015009087");

    let (status, up) = env
        .upload(
            &a,
            ("client", &thandi),
            "id_copy",
            "thandi-id.png",
            "image/png",
            scan.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{up}");
    assert_eq!(up["status"], "scanning");
    assert_eq!(up["version"], 1);
    assert_eq!(up["duplicate"], false);
    let id = up["id"].as_str().unwrap().to_owned();
    // Not readable until cleared.
    let (status, _) = env
        .get_bytes(&a, &format!("/api/v1/documents/{id}/file"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let d = env.processed(&a, &id).await;
    assert_eq!(d["status"], "verified", "{d:#}");
    assert_eq!(d["validation"]["verdict"], "verified");
    let checks = d["validation"]["checks"].as_array().unwrap();
    assert!(checks.iter().all(|c| c["passed"] == true), "{checks:#?}");
    assert!(
        checks.iter().any(|c| {
            let e = c["evidence"].as_str().unwrap_or("");
            e.contains("9087") && e.contains("line 4") && !e.contains("800101")
        }),
        "the evidence says where the number was found, masked but for its last digits: {checks:#?}"
    );

    // The text is stored and the OCR found the number.
    let (status, text) = env
        .call(
            &a,
            reqwest::Method::GET,
            &format!("/api/v1/documents/{id}/text"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(text["method"], "ocr");
    let digits: String = text["content"]
        .as_str()
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(digits.contains("8001015009087"), "{text}");

    // The file downloads byte for byte; the preview is a PNG.
    let (status, bytes) = env
        .get_bytes(&a, &format!("/api/v1/documents/{id}/file"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, scan);
    let (status, png) = env
        .get_bytes(&a, &format!("/api/v1/documents/{id}/preview"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(png.starts_with(b"\x89PNG"));

    // Every read is in the audit log, with who and from where.
    let tenant = env.db.store.tenancy().resolve(&a.slug).await.unwrap();
    let mut tx = env.db.store.tenancy().begin(&tenant).await.unwrap();
    let rows: Vec<(String, Option<uuid::Uuid>, Option<String>)> = tx
        .query_as("SELECT action, actor_id, host(ip) FROM audit_log WHERE tenant_id = $1 AND entity = 'document' AND entity_id = $2::uuid ORDER BY at")
        .bind(tenant.id().as_uuid())
        .bind(&id)
        .fetch_all(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    for action in [
        "document.uploaded",
        "document.text_viewed",
        "document.downloaded",
        "document.previewed",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    let reads = [
        "document.text_viewed",
        "document.downloaded",
        "document.previewed",
    ];
    assert!(
        rows.iter()
            .filter(|r| reads.contains(&r.0.as_str()))
            .all(|r| r.1.is_some() && r.2.as_deref() == Some("127.0.0.1")),
        "every read names who and from where: {rows:?}"
    );

    // Thandi's ID copy filed for Lerato: rejected, and the API says why.
    let (status, up) = env
        .upload(
            &a,
            ("client", &lerato),
            "id_copy",
            "lerato-id.png",
            "image/png",
            scan.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{up}");
    let d = env.processed(&a, up["id"].as_str().unwrap()).await;
    assert_eq!(d["status"], "rejected", "{d:#}");
    let failed: Vec<&Value> = d["validation"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .collect();
    assert!(!failed.is_empty());
    assert!(
        failed
            .iter()
            .any(|c| c["code"].as_str().unwrap_or("").contains("match")),
        "a failed match check: {failed:#?}"
    );

    // An agent overrides with a reason; the override is audited.
    let (status, body) = env
        .call(
            &a,
            reqwest::Method::POST,
            &format!("/api/v1/documents/{}/review", up["id"].as_str().unwrap()),
            Some(json!({"status": "needs_review", "reason": ""})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "reason");
    let (status, body) = env
        .call(&a, reqwest::Method::POST, &format!("/api/v1/documents/{}/review", up["id"].as_str().unwrap()), Some(json!({"status": "needs_review", "reason": "client brought the original; confirm with Home Affairs"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "needs_review");
    assert_eq!(
        body["review"]["reason"],
        "client brought the original; confirm with Home Affairs"
    );
}

#[tokio::test]
async fn refused_files_leave_nothing_behind_and_eicar_is_quarantined_by_the_real_clamd() {
    let Some(clamd) = comply360_testkit::clamd::test_clamd().await else {
        return;
    };
    let settings = DocumentSettings {
        max_upload_bytes: 1024 * 1024,
        ..DocumentSettings::default()
    };
    let env = env(
        settings,
        Some(Clamd::new(
            ClamdAddress::Tcp(clamd.tcp.clone()),
            Duration::from_secs(30),
        )),
    )
    .await;
    let a = env.agency("docs-refuse", IsolationMode::Pooled).await;
    let client = env.client(&a, "Sipho", "Ndlovu", "8001015009087").await;
    let pdf = pdf_with_text(&[&["Proof of residence", "Sipho Ndlovu"]]);

    // A PNG named .pdf.
    let png = render_png(&pdf, 50);
    let (status, body) = env
        .upload(
            &a,
            ("client", &client),
            "proof_of_address",
            "statement.pdf",
            "application/pdf",
            png,
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(body["code"], "file_type_mismatch");
    assert_eq!(body["errors"][0]["field"], "file");
    // An executable, whatever it is called.
    let elf = std::fs::read("/bin/true").unwrap();
    let (status, body) = env
        .upload(
            &a,
            ("client", &client),
            "id_copy",
            "id.pdf",
            "application/pdf",
            elf,
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(body["code"], "file_type_refused");
    assert!(
        body["detail"].as_str().unwrap().contains("upload a PDF"),
        "{body}"
    );
    // Larger than the limit.
    let mut big = pdf.clone();
    big.extend(std::iter::repeat_n(b'%', 2 * 1024 * 1024));
    let (status, body) = env
        .upload(
            &a,
            ("client", &client),
            "other",
            "big.pdf",
            "application/pdf",
            big,
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["code"], "file_too_large");
    // None of them stored anything.
    assert!(env.stored_files().is_empty(), "{:?}", env.stored_files());
    let (_, list) = env
        .call(
            &a,
            reqwest::Method::GET,
            &format!("/api/v1/documents?client_id={client}"),
            None,
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 0, "{list}");

    // The EICAR test string inside an otherwise valid PDF (a comment after its end, as a
    // dropper would append a payload): stored, then quarantined by clamd.
    let mut infected = pdf_with_text(&[&["Bank confirmation letter"]]);
    infected.extend_from_slice(b"\n%");
    infected.extend(comply360_testkit::clamd::eicar());
    infected.push(b'\n');
    let (status, up) = env
        .upload(
            &a,
            ("client", &client),
            "bank_confirmation",
            "bank.pdf",
            "application/pdf",
            infected,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{up}");
    let id = up["id"].as_str().unwrap();
    let d = env.processed(&a, id).await;
    assert_eq!(d["status"], "quarantined", "{d:#}");
    assert_eq!(d["scan"]["engine"], "clamd");
    assert!(
        d["scan"]["finding"].as_str().unwrap().contains("EICAR"),
        "{d:#}"
    );
    let (status, body) = env
        .get_bytes(&a, &format!("/api/v1/documents/{id}/file"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["code"], "document_quarantined");
    let (status, _) = env
        .call(
            &a,
            reqwest::Method::POST,
            &format!("/api/v1/documents/{id}/links"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // A clean PDF passes the same clamd.
    let (status, up) = env
        .upload(
            &a,
            ("client", &client),
            "proof_of_address",
            "residence.pdf",
            "application/pdf",
            pdf,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{up}");
    let d = env.processed(&a, up["id"].as_str().unwrap()).await;
    assert_ne!(d["status"], "quarantined", "{d:#}");
    assert_eq!(d["scan"]["clean"], true);
}

#[tokio::test]
async fn versions_duplicates_and_raw_storage_without_plaintext() {
    let env = env(DocumentSettings::default(), None).await;
    let a = env.agency("docs-versions", IsolationMode::Schema).await;
    let client = env.client(&a, "Ayanda", "Zulu", "8506150123089").await;
    let marker = "CONFIDENTIAL-MARKER-7F3A";
    let v1 = pdf_with_text(&[&["Memorandum of Incorporation", marker]]);
    let v2 = pdf_with_text(&[&["Memorandum of Incorporation (amended)", marker]]);

    let (status, first) = env
        .upload(
            &a,
            ("client", &client),
            "moi",
            "moi.pdf",
            "application/pdf",
            v1.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, again) = env
        .upload(
            &a,
            ("client", &client),
            "moi",
            "moi-copy.pdf",
            "application/pdf",
            v1.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["id"], first["id"]);
    let (status, second) = env
        .upload(
            &a,
            ("client", &client),
            "moi",
            "moi-amended.pdf",
            "application/pdf",
            v2.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["version"], 2);
    assert_eq!(second["series_id"], first["id"]);
    // Two objects stored, not three: the duplicate kept nothing.
    let files = env.stored_files();
    assert_eq!(files.len(), 2, "{files:?}");
    for f in &files {
        let raw = std::fs::read(f).unwrap();
        assert!(
            !raw.windows(marker.len()).any(|w| w == marker.as_bytes()),
            "plaintext in {}",
            f.display()
        );
        assert!(
            !raw.windows(4).any(|w| w == b"%PDF"),
            "a PDF header in {}",
            f.display()
        );
    }
    let (_, versions) = env
        .call(
            &a,
            reqwest::Method::GET,
            &format!(
                "/api/v1/documents/{}/versions",
                second["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    let versions = versions.as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["version"], 2);
    assert_eq!(versions[0]["is_current"], true);
    assert_eq!(versions[1]["is_current"], false);
    env.processed(&a, first["id"].as_str().unwrap()).await;
    env.processed(&a, second["id"].as_str().unwrap()).await;
    for (doc, bytes) in [(&first, &v1), (&second, &v2)] {
        let (status, got) = env
            .get_bytes(
                &a,
                &format!("/api/v1/documents/{}/file", doc["id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(&got, bytes);
    }
    // The current list shows the one current version; all_versions shows both.
    let (_, current) = env
        .call(
            &a,
            reqwest::Method::GET,
            &format!("/api/v1/documents?client_id={client}"),
            None,
        )
        .await;
    assert_eq!(current.as_array().unwrap().len(), 1);
    let (_, all) = env
        .call(
            &a,
            reqwest::Method::GET,
            &format!("/api/v1/documents?client_id={client}&all_versions=true"),
            None,
        )
        .await;
    assert_eq!(all.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn signed_links_open_on_their_agency_only_and_expire() {
    let env = env(DocumentSettings::default(), None).await;
    let a = env.agency("docs-link-a", IsolationMode::Pooled).await;
    let b = env.agency("docs-link-b", IsolationMode::Database).await;
    let client = env.client(&a, "Nomvula", "Khumalo", "9512314999181").await;
    let pdf = pdf_with_text(&[&["Tax compliance status", "Nomvula Khumalo"]]);
    let (_, up) = env
        .upload(
            &a,
            ("client", &client),
            "tax_clearance",
            "tcs.pdf",
            "application/pdf",
            pdf.clone(),
        )
        .await;
    let id = up["id"].as_str().unwrap();
    env.processed(&a, id).await;
    let (status, links) = env
        .call(
            &a,
            reqwest::Method::POST,
            &format!("/api/v1/documents/{id}/links"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{links}");
    let url = links["file_url"].as_str().unwrap();
    let open = |tenant: &str| {
        env.http
            .get(env.app.url(url))
            .header("x-tenant", tenant.to_owned())
            .send()
    };
    let res = open(&a.slug).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().to_vec(), pdf);
    let res = open(&b.slug).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "link_invalid");
    let stretched = url.replace("exp=", "exp=9");
    let res = env
        .http
        .get(env.app.url(&stretched))
        .header("x-tenant", &a.slug)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // A link past its expiry.
    let expired = docs_link(&env, &a, id, -60).await;
    let res = env
        .http
        .get(env.app.url(&expired))
        .header("x-tenant", &a.slug)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

async fn docs_link(env: &Env, a: &Agency, id: &str, seconds: i64) -> String {
    use comply360_documents::links::LinkTarget;
    let tenant = env.db.store.tenancy().resolve(&a.slug).await.unwrap();
    let p = env.docs.links().sign(
        tenant.id(),
        id.parse().unwrap(),
        LinkTarget::File,
        chrono::Utc::now() + Days::seconds(seconds),
        uuid::Uuid::now_v7(),
    );
    format!(
        "/api/v1/document-links/{id}/file?exp={}&by={}&sig={}",
        p.exp, p.by, p.sig
    )
}

#[tokio::test]
async fn retention_with_the_clock_moved_forward_purges_exactly_the_expired_and_spares_legal_holds()
{
    let env = env(DocumentSettings::default(), None).await;
    let a = env.agency("docs-retain", IsolationMode::Pooled).await;
    let gone = env.client(&a, "Bongani", "Mthembu", "8001015009087").await;
    let still = env.client(&a, "Zanele", "Nkosi", "8506150123089").await;
    let mut ids = Vec::new();
    for (client, ty, line) in [
        (&gone, "id_copy", "one"),
        (&gone, "proof_of_address", "two"),
        (&gone, "bank_confirmation", "three"),
        (&still, "id_copy", "four"),
    ] {
        let (status, up) = env
            .upload(
                &a,
                ("client", client),
                ty,
                &format!("{line}.pdf"),
                "application/pdf",
                pdf_with_text(&[&[line]]),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{up}");
        env.processed(&a, up["id"].as_str().unwrap()).await;
        ids.push(up["id"].as_str().unwrap().to_owned());
    }
    // The relationship with Bongani ends; one of his documents is under a legal hold.
    let (status, body) = env
        .call(
            &a,
            reqwest::Method::DELETE,
            &format!("/api/v1/clients/{gone}"),
            None,
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    let hold = env
        .http
        .put(
            env.app
                .url(&format!("/api/v1/documents/{}/legal-hold", ids[2])),
        )
        .header("x-tenant", &a.slug)
        .bearer_auth(&a.admin)
        .json(&json!({"reason": "subpoena 2026/114"}))
        .send()
        .await
        .unwrap();
    assert_eq!(hold.status(), StatusCode::OK);
    let tenant = env.db.store.tenancy().resolve(&a.slug).await.unwrap();
    let today = comply360_practice::reminders::sa_today();
    let files_before = env.stored_files().len();

    // Four years on: nothing is due.
    let r = housekeeping::sweep_tenant(
        &env.docs,
        &env.db.store,
        &env.app.state.outbox,
        &tenant,
        today + Days::days(4 * 365),
    )
    .await
    .unwrap();
    assert_eq!(r.purged, 0);
    // Five years and a day on: Bongani's two unheld documents go, his held one and Zanele's stay.
    let r = housekeeping::sweep_tenant(
        &env.docs,
        &env.db.store,
        &env.app.state.outbox,
        &tenant,
        today + Days::days(5 * 366 + 1),
    )
    .await
    .unwrap();
    assert_eq!((r.purged, r.held), (2, 1), "{r:?}");
    for (i, expected) in [
        "purged",
        "purged",
        "verified|needs_review",
        "verified|needs_review",
    ]
    .iter()
    .enumerate()
    {
        let (_, d) = env
            .call(
                &a,
                reqwest::Method::GET,
                &format!("/api/v1/documents/{}", ids[i]),
                None,
            )
            .await;
        assert!(
            expected.split('|').any(|e| d["status"] == *e),
            "document {i}: {d:#}"
        );
    }
    let (status, _) = env
        .get_bytes(&a, &format!("/api/v1/documents/{}/file", ids[0]))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Their files (and previews) are gone from storage.
    assert!(env.stored_files().len() < files_before);
    // A second sweep does nothing more.
    let r = housekeeping::sweep_tenant(
        &env.docs,
        &env.db.store,
        &env.app.state.outbox,
        &tenant,
        today + Days::days(5 * 366 + 1),
    )
    .await
    .unwrap();
    assert_eq!(r.purged, 0);
}
