//! What the registry said, recorded on the registration: the reference and the registry's
//! document (CoR 9.4 with the reserved name and its expiry, CoR 14.3 with the registration
//! number and the certificate, a refusal's reason), whether an agent typed it in (manual
//! path) or the registry gateway returned it. Completing an incorporation creates the
//! company, with its people, so its compliance calendar starts at once.

use crate::companies;
use crate::documents::{self, DocumentKind};
use crate::error::{PracticeError, Problems};
use crate::registration_types::RegistrationType;
use crate::registrations::{self, Registration};
use crate::{history, obligations};
use chrono::NaiveDate;
use comply360_domain::{Jurisdiction, RegistrationKind};
use comply360_store::TenantTx;
use record::{decode, names_filed, people_from};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

mod record;

pub use record::{Approved, Attachment, OutcomeInput, for_approval, for_rejection};

pub async fn store(tx: &mut TenantTx, r: &Registration, a: &Approved) -> Result<(), PracticeError> {
    registrations::repo::set_outcome(tx, r.id, &a.record, a.reference.as_deref()).await?;
    if let Some((name, content_type, bytes)) = &a.certificate {
        attach(tx, r, name, content_type, bytes).await?;
    }
    Ok(())
}

/// Stores the registry's document on the registration (bytes in `document_contents` until
/// the documents capability brings object storage).
pub async fn attach(
    tx: &mut TenantTx,
    r: &Registration,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
) -> Result<Uuid, PracticeError> {
    let id = Uuid::now_v7();
    let kind = if r.kind == RegistrationKind::ZaNameReservation {
        DocumentKind::Cor94
    } else if r.jurisdiction == Jurisdiction::SouthAfrica {
        DocumentKind::Cor143
    } else {
        DocumentKind::Certificate
    };
    let file_name: String = file_name.chars().take(255).collect();
    let sha256 = hex::encode(Sha256::digest(bytes));
    let storage_key = format!("db:document_contents/{id}");
    documents::insert_verified(
        tx,
        &documents::NewDocument {
            id,
            client_id: r.client_id,
            registration_id: r.id,
            kind,
            file_name: &file_name,
            content_type,
            size_bytes: bytes.len() as i64,
            sha256: &sha256,
            storage_key: &storage_key,
        },
    )
    .await?;
    documents::insert_content(tx, id, bytes).await?;
    Ok(id)
}

/// Completes the filing: an incorporation needs its certificate (attached at approval or now)
/// and creates the company; returns the timeline detail.
pub async fn complete(
    tx: &mut TenantTx,
    actor: Uuid,
    ty: &RegistrationType,
    r: &Registration,
    input: Option<&OutcomeInput>,
    today: NaiveDate,
) -> Result<Value, PracticeError> {
    if ty.operation != "incorporation" {
        return Ok(json!({}));
    }
    let mut p = Problems::default();
    let new_certificate = input
        .and_then(|o| o.certificate.as_ref())
        .and_then(|a| decode(a, "outcome.certificate", &mut p));
    p.finish("the certificate is not readable")?;
    let document = match (
        new_certificate,
        documents::latest_certificate(tx, r.id).await?,
    ) {
        (Some((name, ct, bytes)), _) => attach(tx, r, &name, &ct, &bytes).await?,
        (None, Some(existing)) => existing,
        (None, None) => {
            return Err(PracticeError::field(
                "outcome.certificate",
                format!(
                    "attach the registry's certificate ({}) to complete the incorporation",
                    ty.outcome_document.as_deref().unwrap_or("certificate")
                ),
            ));
        }
    };
    let outcome = r.outcome.clone().unwrap_or_default();
    let number = outcome
        .get("registration_number")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let name = outcome
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| names_filed(r).into_iter().next().unwrap_or_default());
    let name = if name.is_empty() {
        number.clone().unwrap_or_default()
    } else {
        name
    };
    let incorporated_on = outcome
        .get("decided_on")
        .and_then(Value::as_str)
        .and_then(|d| d.parse().ok())
        .unwrap_or(today);
    let details = r.steps.get("company_details");
    let company = match r.company_id {
        Some(id) => id,
        None => {
            let input = companies::CompanyInput {
                client_id: Some(r.client_id),
                jurisdiction: Some(r.jurisdiction.as_str().to_owned()),
                company_type: ty.company_type.map(|t| t.as_str().to_owned()),
                name: Some(name.clone()),
                registration_number: number.clone(),
                status: Some(companies::CompanyStatus::Registered.as_str().to_owned()),
                incorporated_on: Some(incorporated_on),
                financial_year_end: details
                    .and_then(|d| d.get("financial_year_end"))
                    .and_then(Value::as_i64)
                    .and_then(|m| i16::try_from(m).ok()),
                registered_address: details.and_then(|d| d.get("registered_address")).cloned(),
                agent_id: r.agent_id,
                people: people_from(r),
                ..Default::default()
            };
            let company = companies::create(tx, actor, &input, today).await?;
            registrations::repo::set_company(tx, r.id, company.id).await?;
            company.id
        }
    };
    history::record(
        tx,
        actor,
        "company.incorporated",
        "company",
        company,
        json!({"registration_id": r.id, "registration_number": number}),
    )
    .await?;
    obligations::refresh_company(tx, company, today).await?;
    Ok(
        json!({"company_id": company, "certificate_document_id": document, "registration_number": number}),
    )
}
