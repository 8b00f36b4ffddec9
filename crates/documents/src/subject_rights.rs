//! A data subject's rights over what the agency holds about them (FACTS.md section 8):
//!
//! * [`export`] (POPIA s23, access): every client record, company people row, registration,
//!   document (metadata, validation, text and the decrypted file) and audit entry (who had
//!   access) about one person, found by their SA ID or passport number, as a ZIP written as a
//!   stream: `manifest.json` then `documents/<id>-<file name>`. Nothing of anyone else: a
//!   registration's people fields that hold another number are replaced by a note.
//! * [`erase`] (POPIA s24 and s14, deletion): what no law requires keeping is erased now, and
//!   the rest is kept with its reason. A document whose FICA retention still runs (the client
//!   relationship is active, or ended fewer than its type's years ago) or that is on a legal
//!   hold is kept; one past retention is purged exactly as the retention sweep purges it
//!   ([`housekeeping::purge_in`]); a client whose relationship ended beyond retention is
//!   de-identified, and so is a company's people row of the person (by the retention of the
//!   company's client); a closed registration past its client's retention loses the person's
//!   entries from its filing data (an open one keeps them). One transaction per record, so a
//!   failure leaves each record erased or kept.
//!
//! Both are written to the agency's audit log (`privacy.exported`, `privacy.erasure`) with
//! ids and reasons only, never the person's number or name.

use crate::archive;
use crate::error::DocumentError;
use crate::housekeeping;
use crate::model::{Document, DocumentStatus};
use crate::repo::{self, StoredText, subjects as subject_repo};
use crate::retention::{self, RetentionRule};
use crate::service::Documents;
use crate::storage_key::{self, Location};
use crate::vault::ObjectKey;
use bytes::Bytes;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use comply360_domain::identifiers::SaIdNumber;
use comply360_practice::data_subjects::{self, Identifier, SubjectRecords};
use comply360_practice::registrations::Registration;
use comply360_store::{Tenancy, Tenant, TenantTx};
use futures::StreamExt as _;
use futures::stream::BoxStream;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// The person a request is about, as typed: exactly one of the two numbers.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct SubjectInput {
    /// The person's SA ID number (13 digits, spaces allowed).
    pub id_number: Option<String>,
    /// Or their passport number.
    pub passport_number: Option<String>,
    /// Only this client's record is taken as the person's (it must hold the number).
    pub client_id: Option<Uuid>,
}

impl SubjectInput {
    /// The identifier, or the field errors (the SA ID number by the domain's own rules).
    pub fn parse(&self, today: NaiveDate) -> Result<Identifier, DocumentError> {
        let id = self
            .id_number
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let passport = self
            .passport_number
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        match (id, passport) {
            (Some(_), Some(_)) => Err(DocumentError::field(
                "passport_number",
                "give the ID number or the passport number, not both",
            )),
            (None, None) => Err(DocumentError::field(
                "id_number",
                "enter the person's SA ID number, or their passport number",
            )),
            (Some(text), None) => SaIdNumber::parse(text, today)
                .map(|n| Identifier::IdNumber(n.as_str().to_owned()))
                .map_err(|e| DocumentError::field("id_number", e.to_string())),
            (None, Some(text)) => {
                let ok = (5..=20).contains(&text.len())
                    && text.chars().all(|c| c.is_ascii_alphanumeric());
                if ok {
                    Ok(Identifier::Passport(text.to_ascii_uppercase()))
                } else {
                    Err(DocumentError::field(
                        "passport_number",
                        "a passport number is 5 to 20 letters and digits",
                    ))
                }
            }
        }
    }
}

/// Everything found about the person, in one transaction.
struct Found {
    records: SubjectRecords,
    documents: Vec<Document>,
}

async fn find(
    tx: &mut TenantTx,
    who: &Identifier,
    client: Option<Uuid>,
) -> Result<Found, DocumentError> {
    let records = data_subjects::records(tx, who, client).await?;
    let clients: Vec<Uuid> = records.clients.iter().map(|c| c.client.id).collect();
    let people: Vec<Uuid> = records.people.iter().map(|p| p.person.id).collect();
    let own: BTreeSet<Uuid> = clients.iter().copied().collect();
    let registrations: Vec<Uuid> = records
        .registrations
        .iter()
        .filter(|r| own.contains(&r.client_id))
        .map(|r| r.id)
        .collect();
    let documents = subject_repo::documents_of(
        tx,
        &subject_repo::SubjectDocuments {
            clients: &clients,
            people: &people,
            registrations: &registrations,
            number: who.number(),
        },
    )
    .await?;
    Ok(Found { records, documents })
}

/// A registration's wizard data with every person of someone else replaced by a note: an
/// object holding an `id_number` or `passport_number` that is not the subject's.
fn only_the_subject(value: &Value, number: &str) -> Value {
    match value {
        Value::Object(map) => {
            let other = ["id_number", "passport_number"].iter().any(|k| {
                map.get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|v| !v.trim().is_empty() && !v.eq_ignore_ascii_case(number))
            });
            let mine = ["id_number", "passport_number"].iter().any(|k| {
                map.get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.eq_ignore_ascii_case(number))
            });
            if other && !mine {
                return json!({"withheld": "another person's details"});
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), only_the_subject(v, number)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| only_the_subject(v, number)).collect())
        }
        other => other.clone(),
    }
}

fn registration_record(r: &Registration, number: &str) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    if let Some(map) = v.as_object_mut() {
        for key in ["steps", "outcome"] {
            if let Some(inner) = map.get(key) {
                let cleaned = only_the_subject(inner, number);
                map.insert(key.to_owned(), cleaned);
            }
        }
        map.remove("actions");
    }
    v
}

/// A file name safe in a ZIP entry: no directories, no control characters.
fn entry_name(d: &Document) -> String {
    let clean: String = d
        .file_name
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let clean = clean.trim_start_matches('.');
    format!("documents/{}-{}", d.id, clean)
}

/// Where a document's bytes come from, decided in the export's transaction.
enum Source {
    Vault(Uuid),
    Bytes(Vec<u8>),
}

/// A streamed export: the ZIP's name and its bytes.
pub struct Export {
    pub file_name: String,
    pub body: BoxStream<'static, Result<Bytes, std::io::Error>>,
}

/// The person's export (see the module's doc). The request is audited before a byte is
/// produced, in the transaction that finds the records.
pub async fn export(
    docs: &Documents,
    tenancy: &Tenancy,
    tenant: &Tenant,
    who: &Identifier,
    client: Option<Uuid>,
    actor: Option<Uuid>,
) -> Result<Export, DocumentError> {
    let mut tx = tenancy.begin(tenant).await?;
    let found = find(&mut tx, who, client).await?;
    let number = who.number();
    let mut documents = Vec::new();
    let mut files: Vec<(String, Source)> = Vec::new();
    let mut record_ids: Vec<Uuid> = Vec::new();
    record_ids.extend(found.records.clients.iter().map(|c| c.client.id));
    record_ids.extend(found.records.people.iter().map(|p| p.person.id));
    record_ids.extend(found.records.registrations.iter().map(|r| r.id));
    for d in &found.documents {
        record_ids.push(d.id);
        let text: Option<StoredText> = repo::text_of(&mut tx, d.id).await?;
        let readable = d.status.unavailable().is_none();
        let mut file = None;
        if readable && let Some((key, _)) = repo::storage_of(&mut tx, d.id).await? {
            let source = match storage_key::parse(&key) {
                Some(Location::Vault(object)) => Some(Source::Vault(object)),
                // A registry certificate not yet moved into storage (small, bounded).
                Some(Location::Database) => repo::legacy_content(&mut tx, d.id)
                    .await?
                    .map(Source::Bytes),
                None => None,
            };
            if let Some(source) = source {
                let name = entry_name(d);
                file = Some(name.clone());
                files.push((name, source));
            }
        }
        documents.push(json!({"document": d, "text": text, "file": file}));
    }
    let audit = subject_repo::audit_about(&mut tx, &record_ids).await?;
    subject_repo::audit_request(
        &mut tx,
        actor,
        "privacy.exported",
        json!({
            "clients": found.records.clients.iter().map(|c| c.client.id).collect::<Vec<_>>(),
            "people": found.records.people.iter().map(|p| p.person.id).collect::<Vec<_>>(),
            "registrations": found.records.registrations.iter().map(|r| r.id).collect::<Vec<_>>(),
            "documents": found.documents.iter().map(|d| d.id).collect::<Vec<_>>(),
            "files": files.len(),
        }),
    )
    .await?;
    tx.commit().await?;

    let (kind, _) = match who {
        Identifier::IdNumber(n) => ("id_number", n),
        Identifier::Passport(n) => ("passport_number", n),
    };
    let manifest = json!({
        "generated_at": Utc::now(),
        "agency": tenant.slug().to_string(),
        "subject": {kind: number},
        "law": "POPIA s23: the personal information held about you, and the agency's users who had access to it (the audit entries)",
        "clients": found.records.clients,
        "company_people": found.records.people,
        "registrations": found.records.registrations.iter().map(|r| registration_record(r, number)).collect::<Vec<_>>(),
        "documents": documents,
        "audit_log": audit,
        "files": files.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>(),
    });
    let manifest = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| DocumentError::Internal(format!("export manifest: {e}")))?;
    let stamp = Utc::now().format("%Y%m%d");
    Ok(Export {
        file_name: format!("personal-information-{stamp}.zip"),
        body: write_zip(docs.clone(), tenant.clone(), manifest, files),
    })
}

/// The export's ZIP: `manifest.json`, then each file, decrypted from the vault as it is
/// written.
fn write_zip(
    docs: Documents,
    tenant: Tenant,
    manifest: Vec<u8>,
    files: Vec<(String, Source)>,
) -> BoxStream<'static, Result<Bytes, std::io::Error>> {
    archive::stream("data-subject export", move |mut zip| async move {
        zip.bytes("manifest.json", manifest).await?;
        for (name, source) in files {
            match source {
                Source::Bytes(bytes) => zip.bytes(&name, bytes).await?,
                Source::Vault(object) => {
                    let body = docs
                        .vault()
                        .open(tenant.id(), &ObjectKey::document(tenant.id(), object))
                        .map(|chunk| chunk.map_err(DocumentError::from))
                        .boxed();
                    zip.entry(&name, body).await?;
                }
            }
        }
        Ok(zip)
    })
}

/// One record in an erasure's report.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ErasureItem {
    /// `client`, `document`, `person` (a company's people row) or `registration`.
    pub record: String,
    pub id: Uuid,
    /// What it is, in words (a client's name before erasure, a document's type and file).
    pub label: String,
    /// What kind of record, in words that name no one ("Client record", "ID copy"): what the
    /// audit log keeps.
    pub what: String,
    /// What was done, or why it is kept (the legal basis).
    pub reason: String,
    /// Kept until at least this day (the end of its retention), when known.
    pub until: Option<NaiveDate>,
}

/// What an erasure request did.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ErasureReport {
    pub generated_at: DateTime<Utc>,
    /// The day retention was counted to.
    pub today: NaiveDate,
    pub erased: Vec<ErasureItem>,
    pub kept: Vec<ErasureItem>,
}

/// The end of retention: `years` after the relationship ended (SAST day), as the sweep counts.
fn retention_end(ended: DateTime<Utc>, years: i32) -> NaiveDate {
    let day = ended.with_timezone(&chrono_tz_sast()).date_naive();
    day.with_year(day.year() + years)
        .unwrap_or_else(|| day + chrono::Days::new(u64::try_from(years).unwrap_or(0) * 366))
}

fn chrono_tz_sast() -> chrono::FixedOffset {
    use chrono::Offset as _;
    // South Africa keeps UTC+2 all year (no daylight saving).
    chrono::FixedOffset::east_opt(2 * 3600).unwrap_or_else(|| Utc.fix())
}

/// Why a record of a client is kept while retention runs (or `None`: it may go).
fn kept_because(
    ended: Option<DateTime<Utc>>,
    rule: &RetentionRule,
    today: NaiveDate,
) -> Option<(String, Option<NaiveDate>)> {
    match ended {
        None => Some((
            format!(
                "{}. The relationship with the client has not ended, so retention has not started.",
                rule.basis
            ),
            None,
        )),
        Some(at) => {
            let end = retention_end(at, rule.years);
            (end > today).then(|| {
                (
                    format!(
                        "{}. Kept {} years after the relationship ended on {}.",
                        rule.basis,
                        rule.years,
                        at.with_timezone(&chrono_tz_sast()).format("%-d %B %Y")
                    ),
                    Some(end),
                )
            })
        }
    }
}

/// When the client's relationship ended, and how long its records are kept: the client
/// record's rule, or the longest of its documents' where that is longer. A client's people
/// rows and registrations are kept by the same rule as the client record.
async fn client_retention(
    tx: &mut TenantTx,
    client: Uuid,
    longest: &BTreeMap<Uuid, i32>,
) -> Result<(Option<DateTime<Utc>>, RetentionRule), DocumentError> {
    let ended = data_subjects::relationship_ended(tx, client).await?;
    let mut rule = retention::rule_for(tx, "client_record").await?;
    rule.years = rule
        .years
        .max(longest.get(&client).copied().unwrap_or(rule.years));
    Ok((ended, rule))
}

/// The person's erasure request, counted on `today` (see the module's doc).
#[expect(
    clippy::too_many_arguments,
    reason = "the agency's handles (documents, outbox, tenancy, tenant) and the request's own four"
)]
pub async fn erase(
    docs: &Documents,
    outbox: &comply360_jobs::Outbox,
    tenancy: &Tenancy,
    tenant: &Tenant,
    who: &Identifier,
    client: Option<Uuid>,
    actor: Option<Uuid>,
    today: NaiveDate,
) -> Result<ErasureReport, DocumentError> {
    let mut tx = tenancy.begin(tenant).await?;
    let found = find(&mut tx, who, client).await?;
    tx.commit().await?;

    let mut report = ErasureReport {
        generated_at: Utc::now(),
        today,
        erased: Vec::new(),
        kept: Vec::new(),
    };
    // The longest retention of each client's documents, and the clients with a document kept.
    let mut longest: BTreeMap<Uuid, i32> = BTreeMap::new();
    let mut holding: BTreeSet<Uuid> = BTreeSet::new();

    for d in &found.documents {
        let label = format!("{} ({})", d.doc_type.replace('_', " "), d.file_name);
        let mut tx = tenancy.begin(tenant).await?;
        let Some(now) = subject_repo::lock(&mut tx, d.id).await? else {
            continue;
        };
        if now.status == DocumentStatus::Purged {
            tx.commit().await?;
            continue;
        }
        let rule = retention::rule_for(&mut tx, &now.doc_type).await?;
        let entry = longest.entry(now.client_id).or_insert(rule.years);
        *entry = (*entry).max(rule.years);
        let ended = data_subjects::relationship_ended(&mut tx, now.client_id).await?;
        let what = upper_first(&d.doc_type.replace('_', " "));
        let item = |reason: String, until| ErasureItem {
            record: "document".into(),
            id: d.id,
            label: label.clone(),
            what: what.clone(),
            reason,
            until,
        };
        if let Some(hold) = &now.legal_hold {
            holding.insert(now.client_id);
            report
                .kept
                .push(item(format!("on legal hold: {}", hold.reason), None));
            tx.commit().await?;
            continue;
        }
        if let Some((reason, until)) = kept_because(ended, &rule, today) {
            holding.insert(now.client_id);
            report.kept.push(item(reason, until));
            tx.commit().await?;
            continue;
        }
        let objects = housekeeping::purge_in(
            &mut tx,
            d.id,
            actor,
            json!({"reason": "erasure requested by the data subject (POPIA s24)", "rule": rule}),
        )
        .await?;
        tx.commit().await?;
        housekeeping::delete_objects(docs, tenant, d.id, objects).await;
        report.erased.push(item(
            format!(
                "purged: its retention ({} years after the relationship ended) is over",
                rule.years
            ),
            None,
        ));
    }

    for c in &found.records.clients {
        let id = c.client.id;
        let label = c.client.display_name.clone();
        let mut tx = tenancy.begin(tenant).await?;
        let (ended, rule) = client_retention(&mut tx, id, &longest).await?;
        let item = |reason: String, until| ErasureItem {
            record: "client".into(),
            id,
            label: label.clone(),
            what: "Client record".into(),
            reason,
            until,
        };
        if let Some((reason, until)) = kept_because(ended, &rule, today) {
            report.kept.push(item(reason, until));
        } else if holding.contains(&id) {
            report.kept.push(item(
                "kept while a document of this client is kept (a legal hold)".into(),
                None,
            ));
        } else {
            data_subjects::deidentify_client(&mut tx, id).await?;
            // The agency's ERP holds the client too: it is de-identified there by the sync.
            comply360_practice::clients::changed(&mut tx, outbox, actor.unwrap_or_default(), id)
                .await?;
            subject_repo::audit_request(
                &mut tx,
                actor,
                "client.deidentified",
                json!({"client": id, "reason": "erasure requested by the data subject (POPIA s24); retention over"}),
            )
            .await?;
            report.erased.push(item(
                "de-identified: names, ID and passport numbers, contact details, address and notes removed; the record's id is kept".into(),
                None,
            ));
        }
        tx.commit().await?;
    }

    // A company's people row is part of the agency's due diligence on the company's client:
    // kept as long as that client's records, then de-identified.
    for p in &found.records.people {
        let mut tx = tenancy.begin(tenant).await?;
        let (ended, rule) = client_retention(&mut tx, p.client_id, &longest).await?;
        let item = |reason: String, until| ErasureItem {
            record: "person".into(),
            id: p.person.id,
            label: format!("{} at {}", p.person.full_name, p.company_name),
            what: "Director, member or owner of a company".into(),
            reason,
            until,
        };
        if let Some((reason, until)) = kept_because(ended, &rule, today) {
            report.kept.push(item(
                format!(
                    "part of the records of {}'s client. {reason}",
                    p.company_name
                ),
                until,
            ));
        } else if holding.contains(&p.client_id) {
            report.kept.push(item(
                "kept while a document of the company's client is kept (a legal hold)".into(),
                None,
            ));
        } else {
            data_subjects::deidentify_person(&mut tx, p.person.id, p.client_id).await?;
            report.erased.push(item(
                "de-identified: name, ID and passport numbers and contact details removed; the roles, shares and dates are kept".into(),
                None,
            ));
        }
        tx.commit().await?;
    }
    // A registration is a record of a transaction with the registry: kept like its client's
    // records and while the filing is open; then the person's entries leave its data.
    for r in &found.records.registrations {
        let mut tx = tenancy.begin(tenant).await?;
        let (ended, rule) = client_retention(&mut tx, r.client_id, &longest).await?;
        let item = |reason: String, until| ErasureItem {
            record: "registration".into(),
            id: r.id,
            label: r.kind.to_string().replace('_', " "),
            what: "Registration".into(),
            reason,
            until,
        };
        if !r.status.closed() {
            report.kept.push(item(
                format!(
                    "the filing is {} and still needs its data",
                    r.status.as_str().replace('_', " ")
                ),
                None,
            ));
        } else if let Some((reason, until)) = kept_because(ended, &rule, today) {
            report.kept.push(item(
                format!("a record of a transaction with the registry. {reason}"),
                until,
            ));
        } else if holding.contains(&r.client_id) {
            report.kept.push(item(
                "kept while a document of this client is kept (a legal hold)".into(),
                None,
            ));
        } else {
            data_subjects::erase_from_registration(&mut tx, r.id, who).await?;
            report.erased.push(item(
                "the person's entries in its filing data are erased; the rest of the filing is kept".into(),
                None,
            ));
        }
        tx.commit().await?;
    }

    let clients: Vec<Uuid> = found.records.clients.iter().map(|c| c.client.id).collect();
    let mut tx = tenancy.begin(tenant).await?;
    let brief = |items: &[ErasureItem]| {
        items
            .iter()
            .map(|i| json!({"record": i.record, "id": i.id, "what": i.what, "reason": i.reason, "until": i.until}))
            .collect::<Vec<_>>()
    };
    subject_repo::audit_request(
        &mut tx,
        actor,
        "privacy.erasure",
        json!({"today": today, "clients": clients, "erased": brief(&report.erased), "kept": brief(&report.kept)}),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// The last erasure request that concerned this client, as the audit log keeps it (what kind
/// of record, what was done or why it was kept; no names).
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct LastErasure {
    pub at: DateTime<Utc>,
    pub erased: Vec<Value>,
    pub kept: Vec<Value>,
}

pub async fn last_erasure(
    tx: &mut TenantTx,
    client: Uuid,
) -> Result<Option<LastErasure>, DocumentError> {
    let row = subject_repo::last_request(tx, "privacy.erasure", client).await?;
    Ok(row.map(|(at, detail)| LastErasure {
        at,
        erased: detail["erased"].as_array().cloned().unwrap_or_default(),
        kept: detail["kept"].as_array().cloned().unwrap_or_default(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_persons_fields_are_withheld() {
        let steps = json!({"people": {"people": [
            {"full_name": "A", "id_number": "8001015009087"},
            {"full_name": "B", "id_number": "8506150123089"}
        ]}, "name": {"proposed": "Acme"}});
        let out = only_the_subject(&steps, "8001015009087");
        let text = out.to_string();
        assert!(text.contains("8001015009087") && text.contains("Acme"));
        assert!(!text.contains("8506150123089") && !text.contains("\"B\""));
    }
}
