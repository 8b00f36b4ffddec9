//! A data subject's requests over real HTTP: the export (POPIA s23) holds every record and
//! document of the person and nothing of anyone else; the erasure (s24) purges and
//! de-identifies what retention no longer keeps, and says why the rest is kept.

use crate::api::{Agency, Env, env};
use chrono::Duration as Days;
use comply360_documents::DocumentSettings;
use comply360_documents::subject_rights::{self, SubjectInput};
use comply360_domain::IsolationMode;
use comply360_testkit::documents::pdf_with_text;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The archive's entries (name to bytes) as Python's `zipfile` tests and extracts them: an
/// implementation independent of the one that wrote it.
fn unzip_with_python(
    dir: &std::path::Path,
    zip: &[u8],
) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("archive.zip");
    std::fs::write(&path, zip).unwrap();
    let out_dir = dir.join("out");
    for args in [vec!["-t"], vec!["-e"]] {
        let mut cmd = std::process::Command::new("python3");
        cmd.args(["-m", "zipfile"]).args(&args).arg(&path);
        if args == ["-e"] {
            cmd.arg(&out_dir);
        }
        let out = cmd
            .output()
            .expect("python3 runs (scripts/test installs it)");
        assert!(
            out.status.success(),
            "python3 -m zipfile {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut entries = std::collections::BTreeMap::new();
    let mut pending = vec![out_dir.clone()];
    while let Some(d) = pending.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                pending.push(p);
            } else {
                let name = p
                    .strip_prefix(&out_dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                entries.insert(name, std::fs::read(&p).unwrap());
            }
        }
    }
    entries
}

const THABO: &str = "8001015009087";
const NALEDI: &str = "8506150123089";
const SIPHO: &str = "7505055123088";

impl Env {
    async fn admin_call(&self, a: &Agency, path: &str, body: Value) -> reqwest::Response {
        self.http
            .post(self.app.url(path))
            .header("x-tenant", &a.slug)
            .bearer_auth(&a.admin)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn post_ok(&self, a: &Agency, path: &str, body: Value) -> Value {
        let res = self.admin_call(a, path, body).await;
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    /// Uploads a PDF and waits for it to be processed; its id and bytes.
    async fn pdf(
        &self,
        a: &Agency,
        subject: (&str, &str),
        ty: &str,
        name: &str,
        line: &str,
    ) -> (String, Vec<u8>) {
        let bytes = pdf_with_text(&[&[line]]);
        let (status, up) = self
            .upload(a, subject, ty, name, "application/pdf", bytes.clone())
            .await;
        assert_eq!(status, StatusCode::CREATED, "{up}");
        let id = up["id"].as_str().unwrap().to_owned();
        self.processed(a, &id).await;
        (id, bytes)
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn an_export_holds_every_record_and_document_of_the_person_and_nothing_of_anyone_else() {
    let env = env(DocumentSettings::default(), None).await;
    let a = env.agency("privacy-a", IsolationMode::Pooled).await;
    let b = env.agency("privacy-b", IsolationMode::Schema).await;

    let thabo = env.client(&a, "Thabo", "Mokoena", THABO).await;
    let naledi = env.client(&a, "Naledi", "Khumalo", NALEDI).await;
    let sipho = env.client(&b, "Sipho", "Dlamini", SIPHO).await;
    // Naledi's company, where Thabo is a shareholder beside her.
    let company = env
        .post_ok(&a, "/api/v1/companies", json!({"client_id": naledi, "company_type": "private_company",
            "name": "Karoo Sun Traders (Pty) Ltd", "registration_number": "2024/100200/07", "incorporated_on": "2024-06-14",
            "people": [{"full_name": "Naledi Khumalo", "id_number": NALEDI, "roles": ["director"]},
                       {"full_name": "Thabo Mokoena", "id_number": THABO, "roles": ["shareholder"], "shares": 10}]}))
        .await;
    let people = company["people"].as_array().unwrap();
    let person_of = |n: &str| {
        people.iter().find(|p| p["id_number"] == n).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (thabo_person, naledi_person) = (person_of(THABO), person_of(NALEDI));
    // Naledi's registration, whose wizard names Thabo as a director beside her.
    let naming = env
        .post_ok(
            &a,
            "/api/v1/registrations",
            json!({"client_id": naledi, "kind": "za_private_company",
            "filing_path": "manual",
            "steps": {"directors": {"directors": [
                {"full_name": "Thabo Mokoena", "id_number": THABO, "roles": ["director"]},
                {"full_name": "Naledi Khumalo", "id_number": NALEDI, "roles": ["director"]}]}}}),
        )
        .await;
    let naming = naming["id"].as_str().unwrap().to_owned();
    let own = env
        .post_ok(&a, "/api/v1/registrations", json!({"client_id": thabo, "kind": "za_name_reservation",
            "steps": {"names": {"company_kind": "private", "names": ["Mokoena Holdings (Pty) Ltd"]}}}))
        .await;
    let own = own["id"].as_str().unwrap().to_owned();

    let (t1, t1_bytes) = env
        .pdf(
            &a,
            ("client", &thabo),
            "id_copy",
            "thabo id.pdf",
            "THABO-ID-COPY",
        )
        .await;
    let (t2, t2_bytes) = env
        .pdf(
            &a,
            ("person", &thabo_person),
            "id_copy",
            "thabo share.pdf",
            "THABO-SHAREHOLDER",
        )
        .await;
    let (_, n1) = env
        .pdf(
            &a,
            ("client", &naledi),
            "id_copy",
            "naledi id.pdf",
            "NALEDI-ID-COPY",
        )
        .await;
    let (_, n2) = env
        .pdf(
            &a,
            ("person", &naledi_person),
            "proof_of_address",
            "naledi home.pdf",
            "NALEDI-ADDRESS",
        )
        .await;
    let (_, s1) = env
        .pdf(
            &b,
            ("client", &sipho),
            "id_copy",
            "sipho id.pdf",
            "SIPHO-ID-COPY",
        )
        .await;
    // Thabo's document is read once by the agent: the access is in the export.
    let (status, _) = env
        .get_bytes(&a, &format!("/api/v1/documents/{t1}/file"))
        .await;
    assert_eq!(status, StatusCode::OK);

    // A missing or wrong identifier is a field error.
    for (body, field) in [
        (json!({}), "id_number"),
        (json!({"id_number": "8001015009088"}), "id_number"),
    ] {
        let res = env.admin_call(&a, "/api/v1/privacy/exports", body).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let p: Value = res.json().await.unwrap();
        assert!(
            p["errors"].to_string().contains(field) || p.to_string().contains(field),
            "{p}"
        );
    }
    // The agent may not.
    let res = env
        .http
        .post(env.app.url("/api/v1/privacy/exports"))
        .header("x-tenant", &a.slug)
        .bearer_auth(&a.agent)
        .json(&json!({"id_number": THABO}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let res = env
        .admin_call(&a, "/api/v1/privacy/exports", json!({"id_number": THABO}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let zip_bytes = res.bytes().await.unwrap().to_vec();

    // An independent reader (Python's zipfile) finds the archive sound and reads it.
    let entries = unzip_with_python(&env.root.path().join("export"), &zip_bytes);
    let manifest: Value = serde_json::from_slice(&entries["manifest.json"]).unwrap();
    assert_eq!(manifest["subject"]["id_number"], THABO);
    assert!(manifest["generated_at"].is_string());
    assert_eq!(
        manifest["clients"].as_array().unwrap().len(),
        1,
        "{manifest:#}"
    );
    assert_eq!(manifest["clients"][0]["client"]["id"], thabo.as_str());
    assert_eq!(
        manifest["company_people"][0]["person"]["id"],
        thabo_person.as_str()
    );
    assert_eq!(
        manifest["company_people"][0]["company_name"],
        "Karoo Sun Traders (Pty) Ltd"
    );
    let regs: Vec<&str> = manifest["registrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(
        regs.contains(&naming.as_str()) && regs.contains(&own.as_str()),
        "{regs:?}"
    );
    let docs: Vec<&str> = manifest["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["document"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(docs.len(), 2, "{docs:?}");
    assert!(docs.contains(&t1.as_str()) && docs.contains(&t2.as_str()));
    // Each document's bytes, identical to what was uploaded.
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    for (id, bytes) in [(&t1, &t1_bytes), (&t2, &t2_bytes)] {
        let name = files
            .iter()
            .map(|f| f.as_str().unwrap())
            .find(|f| f.contains(id.as_str()))
            .unwrap();
        assert_eq!(&entries[name], bytes, "{name}");
    }
    assert_eq!(entries.len(), 3, "{:?}", entries.keys().collect::<Vec<_>>());
    // The audit entries: who uploaded and who downloaded the document.
    let audit = manifest["audit_log"].as_array().unwrap();
    assert!(
        audit.iter().any(|e| e["action"] == "document.downloaded"
            && e["entity_id"] == t1.as_str()
            && e["actor_email"].is_string()),
        "{audit:#?}"
    );

    // Nothing of Naledi (same agency) or Sipho (another agency), anywhere in the ZIP.
    for needle in [
        NALEDI, "Naledi", "Khumalo", SIPHO, "Sipho", "Dlamini", "NALEDI-", "SIPHO-",
    ] {
        assert!(
            !contains(&zip_bytes, needle.as_bytes()),
            "{needle} is in the export"
        );
        for (name, data) in &entries {
            assert!(!contains(data, needle.as_bytes()), "{needle} is in {name}");
        }
    }
    for other in [&n1, &n2, &s1] {
        assert!(entries.values().all(|data| data != other));
    }

    // The export is in the audit log.
    let tenant = env.db.store.tenancy().resolve(&a.slug).await.unwrap();
    let mut tx = env.db.store.tenancy().begin(&tenant).await.unwrap();
    let n: i64 = tx
        .query_scalar("SELECT count(*) FROM audit_log WHERE action = 'privacy.exported'")
        .fetch_one(tx.conn())
        .await
        .unwrap();
    assert_eq!(n, 1);
    // Another agency's export for Thabo finds nothing of him.
    let res = env
        .admin_call(&b, "/api/v1/privacy/exports", json!({"id_number": THABO}))
        .await;
    let other = res.bytes().await.unwrap().to_vec();
    assert!(!contains(&other, b"Mokoena") && !contains(&other, b"THABO-"));
}

#[tokio::test]
async fn an_erasure_purges_and_de_identifies_past_retention_and_keeps_the_rest_with_its_reason() {
    let env = env(DocumentSettings::default(), None).await;
    let a = env.agency("privacy-erase", IsolationMode::Pooled).await;
    let tenant = env.db.store.tenancy().resolve(&a.slug).await.unwrap();
    let gone = env.client(&a, "Thabo", "Mokoena", THABO).await;
    let recent = env.client(&a, "Naledi", "Khumalo", NALEDI).await;
    let held = env.client(&a, "Sipho", "Dlamini", SIPHO).await;
    let (g1, _) = env
        .pdf(&a, ("client", &gone), "id_copy", "a.pdf", "GONE-ONE")
        .await;
    let (g2, _) = env
        .pdf(
            &a,
            ("client", &gone),
            "proof_of_address",
            "b.pdf",
            "GONE-TWO",
        )
        .await;
    let (r1, _) = env
        .pdf(&a, ("client", &recent), "id_copy", "c.pdf", "RECENT-ONE")
        .await;
    let (h1, _) = env
        .pdf(&a, ("client", &held), "id_copy", "d.pdf", "HELD-ONE")
        .await;
    // Thabo's own company, where he is the director; a filing of his that was cancelled; and
    // Sipho's filing, still open, that names Thabo beside him.
    let company = env
        .post_ok(&a, "/api/v1/companies", json!({"client_id": gone, "company_type": "private_company",
            "name": "Mokoena Holdings (Pty) Ltd", "registration_number": "2019/200300/07", "incorporated_on": "2019-03-01",
            "people": [{"full_name": "Thabo Mokoena", "id_number": THABO, "roles": ["director"]}]}))
        .await;
    let thabo_person = company["people"][0]["id"].as_str().unwrap().to_owned();
    let director = |name: &str, number: &str| json!({"full_name": name, "id_number": number, "roles": ["director"]});
    let closed = env
        .post_ok(&a, "/api/v1/registrations", json!({"client_id": gone, "kind": "za_private_company",
            "filing_path": "manual", "steps": {"directors": {"directors": [director("Thabo Mokoena", THABO)]}}}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    env.post_ok(
        &a,
        &format!("/api/v1/registrations/{closed}/transitions"),
        json!({"action": "cancel", "note": "client withdrew"}),
    )
    .await;
    let open = env
        .post_ok(
            &a,
            "/api/v1/registrations",
            json!({"client_id": held, "kind": "za_private_company",
            "filing_path": "manual", "steps": {"directors": {"directors": [
                director("Sipho Dlamini", SIPHO), director("Thabo Mokoena", THABO)]}}}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for c in [&gone, &recent, &held] {
        let (status, body) = env
            .call(
                &a,
                reqwest::Method::DELETE,
                &format!("/api/v1/clients/{c}"),
                None,
            )
            .await;
        assert!(status.is_success(), "{body}");
    }
    let hold = env
        .http
        .put(env.app.url(&format!("/api/v1/documents/{h1}/legal-hold")))
        .header("x-tenant", &a.slug)
        .bearer_auth(&a.admin)
        .json(&json!({"reason": "subpoena 2026/114"}))
        .send()
        .await
        .unwrap();
    assert_eq!(hold.status(), StatusCode::OK);
    let today = comply360_practice::reminders::sa_today();
    let erase = |number: &str, days: i64| {
        let input = SubjectInput {
            id_number: Some(number.to_owned()),
            ..SubjectInput::default()
        };
        let who = input.parse(today).unwrap();
        let env = &env;
        let tenant = tenant.clone();
        async move {
            subject_rights::erase(
                &env.docs,
                &env.app.state.outbox,
                env.db.store.tenancy(),
                &tenant,
                &who,
                None,
                None,
                today + Days::days(days),
            )
            .await
            .unwrap()
        }
    };

    // Six years after the relationship ended: purged and de-identified.
    let report = erase(THABO, 6 * 366).await;
    let erased: Vec<String> = report.erased.iter().map(|i| i.id.to_string()).collect();
    assert!(
        [&g1, &g2, &gone, &thabo_person, &closed]
            .iter()
            .all(|id| erased.contains(id)),
        "{report:#?}"
    );
    // Only Sipho's open filing keeps Thabo's entry, and says why.
    assert_eq!(report.kept.len(), 1, "{report:#?}");
    assert_eq!(report.kept[0].id.to_string(), open);
    assert!(report.kept[0].reason.contains("draft"), "{report:#?}");
    for id in [&g1, &g2] {
        let (_, d) = env
            .call(
                &a,
                reqwest::Method::GET,
                &format!("/api/v1/documents/{id}"),
                None,
            )
            .await;
        assert_eq!(d["status"], "purged");
    }
    let mut tx = env.db.store.tenancy().begin(&tenant).await.unwrap();
    let row: (String, Option<String>, Option<String>) =
        sqlx::query_as::<_, (String, Option<String>, Option<String>)>(
            "SELECT display_name, id_number, first_names FROM clients WHERE id = $1::uuid",
        )
        .bind(&gone)
        .fetch_one(tx.conn())
        .await
        .unwrap();
    assert_eq!(row, ("Erased client".to_owned(), None, None));
    // The de-identified client is announced, so the agency's ERP de-identifies its copy.
    let announced: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox_events WHERE event_type = 'client.updated' AND aggregate_id = $1::uuid",
    )
    .bind(&gone)
    .fetch_one(tx.conn())
    .await
    .unwrap();
    assert_eq!(announced, 1);
    let person: (String, Option<String>, bool) = sqlx::query_as(
        "SELECT full_name, id_number, erased_at IS NOT NULL FROM company_people WHERE id = $1::uuid",
    )
    .bind(&thabo_person)
    .fetch_one(tx.conn())
    .await
    .unwrap();
    assert_eq!(person, ("Erased person".to_owned(), None, true));
    let payload = |id: &str| {
        let id = id.to_owned();
        let (env, tenant) = (&env, &tenant);
        async move {
            let mut tx = env.db.store.tenancy().begin(tenant).await.unwrap();
            let v: Value =
                sqlx::query_scalar("SELECT payload FROM registrations WHERE id = $1::uuid")
                    .bind(&id)
                    .fetch_one(tx.conn())
                    .await
                    .unwrap();
            v.to_string()
        }
    };
    let (closed_data, open_data) = (payload(&closed).await, payload(&open).await);
    assert!(
        !closed_data.contains(THABO) && !closed_data.contains("Mokoena"),
        "{closed_data}"
    );
    assert!(closed_data.contains("erased"), "{closed_data}");
    assert!(
        open_data.contains(THABO) && open_data.contains(SIPHO),
        "{open_data}"
    );
    let n: i64 = tx
        .query_scalar("SELECT count(*) FROM audit_log WHERE action = 'privacy.erasure'")
        .fetch_one(tx.conn())
        .await
        .unwrap();
    assert_eq!(n, 1);
    drop(tx);
    // The person is no longer found.
    let again = erase(THABO, 6 * 366).await;
    assert!(
        again.erased.is_empty() && again.kept.len() == 1,
        "{again:#?}"
    );

    // One year after: kept, FICA named as the reason, until five years after the end.
    let report = erase(NALEDI, 366).await;
    assert!(report.erased.is_empty(), "{report:#?}");
    let kept: Vec<String> = report.kept.iter().map(|i| i.id.to_string()).collect();
    assert!(kept.contains(&r1) && kept.contains(&recent), "{report:#?}");
    assert!(
        report
            .kept
            .iter()
            .all(|i| i.reason.contains("FICA") && i.until.is_some()),
        "{report:#?}"
    );
    let (_, d) = env
        .call(
            &a,
            reqwest::Method::GET,
            &format!("/api/v1/documents/{r1}"),
            None,
        )
        .await;
    assert_ne!(d["status"], "purged");

    // A legal hold is respected even past retention, and the client record stays with it.
    let report = erase(SIPHO, 6 * 366).await;
    assert!(report.erased.is_empty(), "{report:#?}");
    assert!(
        report
            .kept
            .iter()
            .any(|i| i.id.to_string() == h1 && i.reason.contains("legal hold")),
        "{report:#?}"
    );
    assert!(
        report.kept.iter().any(|i| i.id.to_string() == held),
        "{report:#?}"
    );

    // Over HTTP: the report, and a field error for a missing number.
    let res = env
        .admin_call(&a, "/api/v1/privacy/erasures", json!({"id_number": NALEDI}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["kept"].as_array().unwrap().len(), 2, "{body:#}");
    let res = env
        .admin_call(
            &a,
            "/api/v1/privacy/erasures",
            json!({"passport_number": "x"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
